#pragma once
// IMAGEGATE_MINSIZE: optimise one function for size (clang's per-function -Oz) where speed does not matter:
// request building, error parsing, retry decisions. It keeps the shipped wasm small without -Oz on whole files,
// which slowed the base64 kernel (an -Oz copy of a shared inline function won at link time, CMakeLists.txt).
// Only for functions that don't destroy large std::vector<uint8_t>s: at minsize clang 14 keeps the per-byte
// destructor loop of ~vector<uint8_t> (CMakeLists.txt, bindings). No effect with other compilers.
#if defined(__clang__)
#define IMAGEGATE_MINSIZE __attribute__((minsize))
#else
#define IMAGEGATE_MINSIZE
#endif
