// The mock gateway's model catalogue (GET /v1/models), late 2026 (API.md §9.2): no Imagen (shut down upstream),
// xAI under `spacexai/`, openai/gpt-image-2 and google/gemini-3.1-flash-image new. The shape follows the live payload
// (API.md §3): image-only models (type "image"), chat models that output images (type "language" + tag
// "image-generation"), a text-only chat model and an embedding model. Prices are USD strings, as on the real endpoint
// (per image for `image`, per token for `input`/`output`); the values are the mock's, not quotes.
// What each model can do (input images, masks, images per call) is the package's table (wasm/js/providers.mjs).
import { modelCapabilities, providerOptionsKey } from '../../wasm/js/providers.mjs';

export { providerOptionsKey, modelCapabilities };

const imageModel = (id, name, pricing, description) =>
  ({ id, name, type: 'image', tags: ['image-generation'], pricing, description });
const languageModel = (id, name, tags, pricing, description, context_window, max_tokens) =>
  ({ id, name, type: 'language', tags, pricing, description, context_window, max_tokens });

const MODEL_LIST = [
  imageModel('bfl/flux-2-pro', 'FLUX.2 [pro]', {},
    'Black Forest Labs FLUX.2 [pro]: text-to-image and multi-reference editing. Safety tolerance defaults to 2, on a scale from 0 (strict) to 6 (permissive).'),
  imageModel('bfl/flux-kontext-pro', 'FLUX.1 Kontext [pro]', { image: '0.04' },
    'Black Forest Labs FLUX.1 Kontext [pro]: in-context image generation and editing.'),
  imageModel('bfl/flux-pro-1.0-fill', 'FLUX.1 Fill [pro]', { image: '0.05' },
    'Black Forest Labs FLUX.1 Fill [pro]: inpainting and outpainting with a mask.'),
  imageModel('openai/gpt-image-1', 'GPT Image 1', { input: '0.000005', output: '0.00004', image: '0.042' },
    'OpenAI GPT Image 1: natively multimodal image generation.'),
  imageModel('openai/gpt-image-2', 'GPT Image 2', { input: '0.000005', output: '0.00003', image: '0.053' },
    'OpenAI GPT Image 2: image generation and editing with masks, up to 16 input images.'),
  imageModel('recraft/recraft-v3', 'Recraft V3', { image: '0.04' },
    'Recraft V3: raster and vector image generation with precise text rendering.'),
  imageModel('bytedance/seedream-4.0', 'Seedream 4.0', { image: '0.03' },
    'ByteDance Seedream 4.0: image generation and editing up to 4K.'),
  imageModel('spacexai/grok-imagine-image', 'Grok Imagine Image', { image: '0.02' },
    'xAI Grok Imagine Image: fast image generation and editing; takes an aspect ratio, not a size.'),
  imageModel('spacexai/grok-imagine-image-pro', 'Grok Imagine Image Pro', { image: '0.07' },
    'xAI Grok Imagine Image Pro: higher-quality image generation; takes an aspect ratio, not a size.'),
  languageModel('google/gemini-2.5-flash-image', 'Nano Banana (Gemini 2.5 Flash Image)', ['image-generation', 'vision'],
    { input: '0.0000003', output: '0.0000025', image: '0.039' },
    'Gemini 2.5 Flash Image ("Nano Banana"): generates and edits images in a conversation.', 32768, 32768),
  languageModel('google/gemini-3.1-flash-image', 'Nano Banana 2 (Gemini 3.1 Flash Image)', ['image-generation', 'implicit-caching', 'reasoning', 'vision'],
    { input: '0.0000005', output: '0.000003', input_cache_read: '0.00000005', image_dimension_quality_pricing: [
      { size: '512', cost: '0.045' }, { size: '1K', cost: '0.067' }, { size: '2K', cost: '0.101' }, { size: '4K', cost: '0.151' }, { size: 'default', cost: '0.067' }] },
    'Gemini 3.1 Flash Image ("Nano Banana 2"): fast image generation and editing in a conversation.', 65536, 32768),
  languageModel('google/gemini-3-pro-image', 'Nano Banana Pro (Gemini 3 Pro Image)', ['image-generation', 'reasoning', 'vision'],
    { input: '0.000002', output: '0.000012', image_dimension_quality_pricing: [
      { size: '1K', cost: '0.134' }, { size: '2K', cost: '0.134' }, { size: '4K', cost: '0.24' }, { size: 'default', cost: '0.134' }] },
    'Gemini 3 Pro Image ("Nano Banana Pro"): studio-quality image generation and editing with reasoning.', 65536, 32768),
  languageModel('openai/gpt-5-mini', 'GPT-5 mini', ['file-input', 'reasoning', 'tool-use', 'vision'],
    { input: '0.00000025', output: '0.000002', input_cache_read: '0.000000025' },
    'GPT-5 mini: a faster, cheaper GPT-5 for well-defined tasks. Text output only.', 400000, 128000),
  { id: 'openai/text-embedding-3-small', name: 'text-embedding-3-small', type: 'embedding', tags: [],
    pricing: { input: '0.00000002' }, description: 'OpenAI text-embedding-3-small: 1536-dimensional embeddings.' },
];

/** id → the /v1/models entry. */
export const MODELS = new Map(MODEL_LIST.map((m, i) => [m.id, {
  id: m.id, object: 'model', created: 1750000000 + i * 86400, owned_by: m.id.split('/')[0], ...m,
}]));

/** What the mock bills for `images` images of `model` (the catalogue's per-image price, else tokens), as a number. */
export function costOf(model, { images = 0, promptTokens = 0, completionTokens = 0, imageSize = 'default' } = {}) {
  const p = model?.pricing ?? {};
  const table = Array.isArray(p.image_dimension_quality_pricing) ? p.image_dimension_quality_pricing : null;
  const perImage = p.image !== undefined ? Number(p.image)
    : table ? Number((table.find((e) => e.size === imageSize) ?? table.find((e) => e.size === 'default'))?.cost ?? 0) : 0;
  const tokens = promptTokens * Number(p.input ?? 0) + completionTokens * Number(p.output ?? 0);
  return Math.round((perImage * images + (model?.type === 'language' ? tokens : 0)) * 1e9) / 1e9;
}
