#include "imagegate/request.hpp"

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/image_info.hpp"
#include "imagegate/json_util.hpp"
#include "imagegate/minsize.hpp"

namespace imagegate {

namespace {

BuiltRequest fail(std::string param, std::string message) {
  BuiltRequest r;
  r.param = std::move(param);
  r.error = std::move(message);
  return r;
}

bool parse_params(const uint8_t* data, size_t len, nlohmann::json& j, BuiltRequest& err) {
  if (parse_json(data, len, j).failed || !j.is_object()) {
    err = fail("", "The request parameters must be a JSON object");
    return false;
  }
  return true;
}

bool non_empty_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

bool valid_size(const std::string& s) {
  if (s == "auto") return true;
  const size_t x = s.find('x');
  if (x == std::string::npos || x == 0 || x + 1 == s.size() || s.size() > 11) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == x) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return s[0] != '0' && s[x + 1] != '0';
}

}  // namespace

// The fields generations and edits share: model, prompt, n, size, response_format. Empty error when they are fine.
static BuiltRequest check_image_params(const nlohmann::json& j) {
  if (!non_empty_string(j, "model")) return fail("model", "`model` is required: a model id such as \"bfl/flux-2-pro\"");
  if (!non_empty_string(j, "prompt")) return fail("prompt", "`prompt` is required: a non-empty string");
  if (auto it = j.find("n"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 10)
      return fail("n", "`n` must be an integer from 1 to 10");
  }
  if (auto it = j.find("size"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || !valid_size(it->get<std::string>()))
      return fail("size", "`size` must look like \"1024x1024\" (width x height in pixels) or \"auto\"");
  }
  if (auto it = j.find("response_format"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || (it->get_ref<const std::string&>() != "b64_json" && it->get_ref<const std::string&>() != "url"))
      return fail("response_format", "`response_format` must be \"b64_json\" or \"url\"");
  }
  return {};
}

IMAGEGATE_MINSIZE
BuiltRequest build_images_request(const uint8_t* params_json, size_t len) {
  nlohmann::json j;
  BuiltRequest r;
  if (!parse_params(params_json, len, j, r)) return r;
  if (BuiltRequest bad = check_image_params(j); !bad.ok()) return bad;
  write_json(j, r.body);
  return r;
}

namespace {

// An edit input, resolved: its bytes (the caller's, or a decoded data: URL's) and what sniffing says, or an https URL.
struct Resolved {
  const uint8_t* bytes = nullptr;
  size_t len = 0;
  std::vector<uint8_t> decoded;  // owns the bytes of a data: URL
  std::string https;             // an https URL, sent as is (JSON only)
  ImageInfo info;
  std::string filename;
};

bool starts_with_ci(const std::string& s, const char* prefix) {
  size_t i = 0;
  for (; prefix[i]; ++i)
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

const char* extension(ImageFormat f) {
  switch (f) {
    case ImageFormat::png: return "png";
    case ImageFormat::jpeg: return "jpg";
    case ImageFormat::webp: return "webp";
    case ImageFormat::gif: return "gif";
    case ImageFormat::avif: return "avif";
    default: return "bin";
  }
}

// Resolves one input; on a problem returns the message (for `param`).
std::string resolve(const EditImage& in, const std::string& param, bool multipart, Resolved& out) {
  out.filename = in.filename;
  if (!in.url.empty()) {
    if (starts_with_ci(in.url, "https://")) {
      for (unsigned char c : in.url)
        if (c <= 0x20 || c >= 0x7f)
          return "`" + param + "` is not a valid URL (spaces, control or non-ASCII characters: percent-encode them, as new URL(...).href does)";
      if (multipart)
        return "`" + param + "` is an https URL, which a multipart upload cannot carry: pass the image's bytes (or a "
               "data: URL), or send JSON (the default)";
      out.https = in.url;
      return {};
    }
    if (!starts_with_ci(in.url, "data:"))
      return "`" + param + "` must be an https: or data: URL, or the image's bytes (Uint8Array, ArrayBuffer, Blob, File)";
    const auto* u = reinterpret_cast<const uint8_t*>(in.url.data());
    const DataUrlResult d = decode_data_url(u, in.url.size(), out.decoded, DataUrlMode::whatwg);
    if (!d.ok()) return "`" + param + "` is not a valid data: URL (" + to_string(d.error) + " at index " + std::to_string(d.position) + ")";
    out.bytes = out.decoded.data();
    out.len = out.decoded.size();
  } else {
    out.bytes = in.bytes;
    out.len = in.len;
  }
  out.info = sniff_image(out.bytes, out.len);
  if (out.info.format == ImageFormat::unknown)
    return "`" + param + "` is not an image imagegate recognises (PNG, JPEG, WebP, GIF or AVIF)";
  return {};
}

std::string size_text(const ImageInfo& i) { return std::to_string(i.width) + "x" + std::to_string(i.height); }

// A quoted-string-safe filename: no quotes, backslashes or control characters.
std::string safe_filename(const Resolved& r, const char* stem, size_t index) {
  std::string name;
  for (unsigned char c : r.filename) name += (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '_' : static_cast<char>(c);
  if (name.empty()) name = std::string(stem) + (index ? "-" + std::to_string(index) : "") + "." + extension(r.info.format);
  return name;
}

bool valid_boundary(const std::string& b) {
  if (b.empty() || b.size() > 70) return false;
  for (unsigned char c : b)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.' && c != '=' && c != '+') return false;
  return true;
}

void append_image_url_json(std::string& body, const Resolved& r) {
  body += "{\"image_url\":";
  if (!r.https.empty()) {
    write_json(nlohmann::json(r.https), body);
  } else {
    body += "\"data:";
    body += mime_type(r.info.format);
    body += ";base64,";
    append_base64(body, r.bytes, r.len);
    body += '"';
  }
  body += '}';
}

void append_part_header(std::string& body, const std::string& boundary, const std::string& name) {
  body += "--";
  body += boundary;
  body += "\r\nContent-Disposition: form-data; name=\"";
  body += name;
  body += '"';
}

void append_file_part(std::string& body, const std::string& boundary, const char* name, const Resolved& r, size_t index) {
  append_part_header(body, boundary, name);
  body += "; filename=\"";
  body += safe_filename(r, std::strcmp(name, "mask") == 0 ? "mask" : "image", index);
  body += "\"\r\nContent-Type: ";
  body += mime_type(r.info.format);
  body += "\r\n\r\n";
  body.append(reinterpret_cast<const char*>(r.bytes), r.len);
  body += "\r\n";
}

}  // namespace

IMAGEGATE_MINSIZE
BuiltRequest build_edit_request(const uint8_t* params_json, size_t len, const std::vector<EditImage>& images,
                                const EditImage* mask, bool multipart, const std::string& boundary) {
  nlohmann::json j;
  BuiltRequest r;
  if (!parse_params(params_json, len, j, r)) return r;
  if (BuiltRequest bad = check_image_params(j); !bad.ok()) return bad;
  auto& fields = j.get_ref<nlohmann::json::object_t&>();
  for (const char* key : {"image", "images", "mask"}) fields.erase(key);  // the images come separately
  if (images.empty() || images.size() > kMaxEditImages)
    return fail("images", "`images` must hold 1 to 16 images (bytes, Blobs, or https: or data: URLs); got " +
                              std::to_string(images.size()));
  if (multipart && !valid_boundary(boundary)) return fail("", "internal: invalid multipart boundary");
  std::vector<Resolved> resolved(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string param = "images[" + std::to_string(i) + "]";
    if (std::string e = resolve(images[i], param, multipart, resolved[i]); !e.empty()) return fail(param, e);
  }
  Resolved m;
  if (mask) {
    if (std::string e = resolve(*mask, "mask", multipart, m); !e.empty()) return fail("mask", e);
    if (m.https.empty()) {
      if (m.info.format != ImageFormat::png)
        return fail("mask", "`mask` must be a PNG: its transparent pixels mark what to change (got " +
                                std::string(to_string(m.info.format)) + ")");
      const ImageInfo& first = resolved[0].info;
      const bool known = m.info.width && first.width && resolved[0].https.empty();
      if (known && (m.info.width != first.width || m.info.height != first.height))
        return fail("mask", "`mask` is " + size_text(m.info) + " but the first image is " + size_text(first) +
                                ": the mask must have the same size as the image it applies to");
    }
  }

  size_t payload = 0;
  for (const auto& x : resolved) payload += base64_encoded_size(x.len) + x.https.size() + 64;
  if (mask) payload += base64_encoded_size(m.len) + m.https.size() + 64;

  if (!multipart) {
    std::string head;
    write_json(j, head);  // an object with at least model and prompt: "{...}"
    head.pop_back();
    r.body.reserve(head.size() + payload + 32);
    r.body = std::move(head);
    r.body += ",\"images\":[";
    for (size_t i = 0; i < resolved.size(); ++i) {
      if (i) r.body += ',';
      append_image_url_json(r.body, resolved[i]);
    }
    r.body += ']';
    if (mask) {
      r.body += ",\"mask\":";
      append_image_url_json(r.body, m);
    }
    r.body += '}';
    return r;
  }

  r.content_type = "multipart/form-data; boundary=" + boundary;
  r.body.reserve(payload + 1024);
  for (const auto& [key, value] : fields) {
    if (value.is_null()) continue;
    for (unsigned char c : key)
      if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) return fail(key, "a field name with quotes or control characters cannot be sent as multipart");
    append_part_header(r.body, boundary, key);
    r.body += "\r\n\r\n";
    if (value.is_string()) r.body += value.get_ref<const std::string&>();
    else write_json(value, r.body);  // numbers, booleans, and objects (providerOptions) as JSON text
    r.body += "\r\n";
  }
  const char* name = resolved.size() == 1 ? "image" : "image[]";
  for (size_t i = 0; i < resolved.size(); ++i) append_file_part(r.body, boundary, name, resolved[i], i + 1);  // image-1.png ...
  if (mask) append_file_part(r.body, boundary, "mask", m, 0);  // mask.png
  r.body += "--";
  r.body += boundary;
  r.body += "--\r\n";
  return r;
}

IMAGEGATE_MINSIZE
BuiltRequest build_chat_request(const uint8_t* params_json, size_t len, bool stream) {
  nlohmann::json j;
  BuiltRequest r;
  if (!parse_params(params_json, len, j, r)) return r;
  if (!non_empty_string(j, "model")) return fail("model", "`model` is required: a model id such as \"google/gemini-2.5-flash-image\"");
  auto messages = j.find("messages");
  if (messages == j.end() || !messages->is_array() || messages->empty())
    return fail("messages", "`messages` must be a non-empty array of {role, content} objects");
  for (const auto& m : *messages) {
    if (!m.is_object() || !non_empty_string(m, "role"))
      return fail("messages", "every message must be an object with a `role` (\"system\", \"user\", \"assistant\", ...)");
  }
  if (auto it = j.find("modalities"); it != j.end() && !it->is_null()) {
    bool ok = it->is_array();
    if (ok)
      for (const auto& m : *it) ok = ok && m.is_string();
    if (!ok) return fail("modalities", "`modalities` must be an array of strings, e.g. [\"text\", \"image\"]");
  }
  if (stream) {
    j["stream"] = true;
    auto& so = j["stream_options"];
    if (!so.is_object()) so = nlohmann::json(nlohmann::json::value_t::object);
    if (!so.contains("include_usage")) so["include_usage"] = true;
  } else {
    auto& fields = j.get_ref<nlohmann::json::object_t&>();  // an object: parse_params checked
    fields.erase("stream");
    fields.erase("stream_options");
  }
  write_json(j, r.body);
  return r;
}

}  // namespace imagegate
