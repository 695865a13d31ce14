// The images-response fast path. One pass over the raw bytes:
//   - a small JSON tokenizer tracks just enough structure to know when a string value is data[k].b64_json
//     or data[k].url (root object → "data" array → item object);
//   - those strings are decoded in place by the base64 state machine (SIMD bulk kernel inside), which stops at
//     the closing quote — the base64 is read exactly once and never copied;
//   - everything else is copied into a small skeleton (the decoded strings become "") that nlohmann parses
//     for well-formedness, the shape checks and the metadata.
// The JSON inside the decoded strings is validated here (escapes, control characters, UTF-8) exactly as
// nlohmann would, so the fast path and the nlohmann reference agree on every input (the fuzzer checks it).
#include "imagegate/images_response.hpp"

#include "imagegate/api_error.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "imagegate/data_url.hpp"
#include "imagegate/json_util.hpp"

namespace imagegate {

const char* to_string(ResponseErrorKind k) {
  switch (k) {
    case ResponseErrorKind::none: return "none";
    case ResponseErrorKind::invalid_json: return "invalid_json";
    case ResponseErrorKind::unexpected_shape: return "unexpected_shape";
    case ResponseErrorKind::no_images: return "no_images";
    case ResponseErrorKind::bad_base64: return "bad_base64";
    case ResponseErrorKind::bad_data_url: return "bad_data_url";
    case ResponseErrorKind::error_body: return "error_body";
  }
  return "unknown";
}

namespace {

constexpr size_t kNpos = static_cast<size_t>(-1);

Base64Options image_base64_options() {
  Base64Options o;  // what Buffer.from / fromBase64 users expect of b64_json: padding optional, whitespace skipped
  o.alphabet = Base64Alphabet::standard;
  o.last_chunk = LastChunk::loose;
  o.skip_whitespace = true;
  return o;
}

int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at p (Unicode Table 3-7, as nlohmann checks it), or 0 if invalid.
size_t utf8_sequence(const uint8_t* p, size_t avail) {
  const uint8_t c = p[0];
  auto cont = [&](size_t k, uint8_t lo = 0x80, uint8_t hi = 0xBF) { return k < avail && p[k] >= lo && p[k] <= hi; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Reads \uXXXX at p (p[0] == '\\', p[1] == 'u'); returns the code unit or -1.
long read_u_escape(const uint8_t* p, size_t avail) {
  if (avail < 6) return -1;
  long v = 0;
  for (int k = 2; k < 6; ++k) {
    const int h = hex_digit(p[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// A JSON escape at p (p[0] == '\\'): its length in the input and the byte it stands for in a base64 string
// (anything outside ASCII stands for 0xFF, which the decoder rejects as an invalid character). 0 = invalid JSON.
size_t read_escape(const uint8_t* p, size_t avail, uint8_t& byte) {
  if (avail < 2) return 0;
  switch (p[1]) {
    case '"': byte = '"'; return 2;
    case '\\': byte = '\\'; return 2;
    case '/': byte = '/'; return 2;
    case 'b': byte = '\b'; return 2;
    case 'f': byte = '\f'; return 2;
    case 'n': byte = '\n'; return 2;
    case 'r': byte = '\r'; return 2;
    case 't': byte = '\t'; return 2;
    case 'u': {
      const long u = read_u_escape(p, avail);
      if (u < 0) return 0;
      if (u >= 0xDC00 && u <= 0xDFFF) return 0;  // a lone low surrogate
      if (u >= 0xD800 && u <= 0xDBFF) {         // must be followed by a low surrogate
        if (avail < 12 || p[6] != '\\' || p[7] != 'u') return 0;
        const long lo = read_u_escape(p + 6, avail - 6);
        if (lo < 0xDC00 || lo > 0xDFFF) return 0;
        byte = 0xFF;
        return 12;
      }
      byte = u < 0x80 ? static_cast<uint8_t>(u) : 0xFF;
      return 6;
    }
    default: return 0;
  }
}

// Finds the end of the JSON string whose opening quote is at `open`; returns the index of the closing quote
// or kNpos if the string is unterminated or not valid JSON (bad_at = where).
size_t scan_string(const uint8_t* buf, size_t len, size_t open, size_t& bad_at) {
  size_t i = open + 1;
  while (i < len) {
    const uint8_t c = buf[i];
    if (c == '"') return i;
    if (c == '\\') {
      uint8_t b;
      const size_t n = read_escape(buf + i, len - i, b);
      if (!n) { bad_at = i; return kNpos; }
      i += n;
    } else if (c < 0x20) {
      bad_at = i;
      return kNpos;
    } else if (c >= 0x80) {
      const size_t n = utf8_sequence(buf + i, len - i);
      if (!n) { bad_at = i; return kNpos; }
      i += n;
    } else {
      ++i;
    }
  }
  bad_at = len;
  return kNpos;
}

bool starts_with_data_scheme(const uint8_t* p, size_t avail) {
  static const char kData[] = "data:";
  if (avail < 5) return false;
  for (int k = 0; k < 5; ++k) {
    uint8_t c = p[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + 32);
    if (c != static_cast<uint8_t>(kData[k])) return false;
  }
  return true;
}

// What the scanner learned about one data[k].b64_json or data[k].url string.
struct Field {
  bool spliced = false;        // decoded in place; the skeleton holds ""
  size_t content = 0;          // index of the string's first content byte (after the quote)
  size_t out_offset = 0, out_length = 0;
  std::string media_type;      // for a base64 data: URL
  Base64Error error = Base64Error::none;
  bool bad_percent = false;    // a data URL's '%' not followed by two hex digits (wins over a base64 error)
  size_t error_pos = 0;        // absolute position in the response
};

struct Item {
  size_t start = kNpos;        // index of the item's first byte
  Field b64, url;
};

class Scanner {
 public:
  Scanner(uint8_t* buf, size_t len) : buf_(buf), len_(len) { skeleton_.reserve(std::min<size_t>(len, 1 << 16)); }

  void run();

  std::string skeleton_;
  std::vector<std::pair<size_t, size_t>> map_{{0, 0}};  // (skeleton index, original index) after each splice
  std::vector<Item> items_;
  size_t data_pos_ = kNpos;    // where the value of the root "data" member starts
  bool json_error_ = false;
  size_t json_error_pos_ = 0;

 private:
  enum Kind : uint8_t { kObject, kArray };
  void copy(size_t from, size_t to) { skeleton_.append(reinterpret_cast<const char*>(buf_ + from), to - from); }
  size_t decode_string(size_t content_begin, size_t write_at, Field& f, bool percent);
  bool target_string() const;

  uint8_t* buf_;
  size_t len_;
  int depth_ = 0;
  Kind kind_[4] = {kObject, kObject, kObject, kObject};
  bool expect_key_[4] = {false, false, false, false};
  std::string key_[4];
  bool in_data_ = false;
  bool item_pending_ = false;
  bool data_pending_ = false;
  size_t item_index_ = 0;
};

bool Scanner::target_string() const {
  return depth_ == 3 && in_data_ && kind_[3] == kObject && !expect_key_[3] && (key_[3] == "b64_json" || key_[3] == "url");
}

// Percent-decoding of a data URL payload, byte by byte over the JSON-unescaped text (a '%' or its hex digits may
// themselves be JSON escapes, as in "%\u00413D"): what the reference gets by unescaping the string first.
struct PercentDecoder {
  int state = 0;     // 0: outside an escape, 1: after '%', 2: after '%' and one hex digit
  int high = 0;
  size_t start = 0;  // where the pending (or last) '%' is in the response
  bool decoded = false;  // the last byte_ready came from a %XX escape
  enum Step { byte_ready, pending, malformed };
  // `b` (at response index `at`): byte_ready with `b` replaced by the byte to decode, pending, or malformed.
  Step take(uint8_t& b, size_t at) {
    const int h = hex_digit(b);
    switch (state) {
      case 0:
        decoded = false;
        if (b != '%') return byte_ready;
        state = 1;
        start = at;
        return pending;
      case 1:
        if (h < 0) return malformed;
        high = h;
        state = 2;
        return pending;
      default:
        if (h < 0) return malformed;
        b = static_cast<uint8_t>(high * 16 + h);
        state = 0;
        decoded = true;
        return byte_ready;
    }
  }
};

// Decodes the base64 that starts at `begin` in place (output at `write_at`), up to the closing quote of the JSON
// string, validating the JSON as it goes. Returns the index of the closing quote, or kNpos on invalid JSON.
// `percent`: the string is a data URL, whose payload may be percent-encoded.
size_t Scanner::decode_string(size_t begin, size_t write_at, Field& f, bool percent) {
  Base64StreamDecoder dec(image_base64_options());
  std::vector<std::pair<size_t, size_t>> runs;  // (decoder offset, response index) where fed bytes jump
  size_t fed = 0, w = write_at, i = begin;
  bool failed = false;
  Base64Result err;
  PercentDecoder pct;
  auto note_run = [&](size_t at) {
    if (runs.empty() || runs.back().second + (fed - runs.back().first) != at) runs.emplace_back(fed, at);
  };
  auto record = [&](const Base64Result& r) {
    failed = true;
    err = r;
  };
  auto bad_percent = [&](size_t at) {
    if (f.bad_percent) return;
    f.bad_percent = true;
    f.error_pos = at;
    failed = true;
  };
  // One JSON character at j: its length (0 = invalid JSON) and the byte it stands for in a base64 payload.
  auto json_char = [&](size_t j, uint8_t& byte) -> size_t {
    const uint8_t c = buf_[j];
    byte = 0xFF;
    if (c == '\\') return read_escape(buf_ + j, len_ - j, byte);
    if (c >= 0x80) return utf8_sequence(buf_ + j, len_ - j);
    if (c < 0x20) return 0;
    byte = c;  // printable ASCII: outside the alphabet, or '%' in a data URL
    return 1;
  };
  while (i < len_) {
    if (!failed && pct.state == 0) {  // the bulk kernel stops at the first byte outside the alphabet
      note_run(i);
      const Base64Result r = dec.feed_until_invalid(buf_ + i, len_ - i, buf_ + w, len_ - w);
      w += r.written;
      if (!r.ok()) {  // positions are decoder offsets: resume JSON validation at the offending byte
        i += r.position - fed;
        fed = r.position;
        record(r);
        continue;
      }
      fed += r.consumed;
      i += r.consumed;
      if (i >= len_) break;
    }
    if (buf_[i] == '"') {
      if (percent && pct.state != 0) bad_percent(pct.start);  // a '%' cut short by the end of the string
      if (!failed) {
        const Base64Result r = dec.finish(buf_ + w, i - w);
        w += r.written;
        if (!r.ok()) record(r);
      }
      if (failed && !f.bad_percent) {
        f.error = err.error;
        // Map the decoder's offset back to the response.
        auto it = std::upper_bound(runs.begin(), runs.end(), std::make_pair(err.position, kNpos));
        f.error_pos = it == runs.begin() ? begin : (it - 1)->second + (err.position - (it - 1)->first);
      }
      f.out_offset = write_at;
      f.out_length = failed ? 0 : w - write_at;
      return i;
    }
    uint8_t byte;
    const size_t n = json_char(i, byte);
    if (n == 0) {
      json_error_ = true;
      json_error_pos_ = i;
      return kNpos;
    }
    PercentDecoder::Step step = PercentDecoder::byte_ready;
    if (percent) {
      step = pct.take(byte, i);
      if (step == PercentDecoder::malformed) bad_percent(pct.start);
    }
    if (!failed && step == PercentDecoder::byte_ready) {
      note_run(pct.decoded ? pct.start : i);  // a decoded %XX maps to its '%'
      const Base64Result r = dec.feed(&byte, 1, buf_ + w, i + n - w);
      w += r.written;
      fed += 1;
      if (!r.ok()) record(r);
      // runs must map this single byte to its start; the next run starts a new entry.
      runs.emplace_back(fed, i + n);
    }
    i += n;
    if (failed) {  // keep validating the JSON (and, in a data URL, its percent escapes) to the closing quote
      size_t j = i;
      while (j < len_ && buf_[j] != '"') {
        uint8_t b;
        const size_t m = json_char(j, b);
        if (!m) {
          json_error_ = true;
          json_error_pos_ = j;
          return kNpos;
        }
        if (percent && !f.bad_percent && pct.take(b, j) == PercentDecoder::malformed) bad_percent(pct.start);
        j += m;
      }
      i = j;
    }
  }
  json_error_ = true;  // unterminated string
  json_error_pos_ = len_;
  return kNpos;
}

void Scanner::run() {
  size_t i = 0;
  while (i < len_) {
    const uint8_t c = buf_[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      skeleton_.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (depth_ == 1 && data_pending_) {
      data_pos_ = i;
      data_pending_ = false;
    }
    if (depth_ == 2 && in_data_ && item_pending_ && c != ']') {
      if (items_.size() <= item_index_) items_.resize(item_index_ + 1);
      items_[item_index_].start = i;
      item_pending_ = false;
    }
    switch (c) {
      case '{':
      case '[': {
        ++depth_;
        if (depth_ <= 3) {
          kind_[depth_] = c == '{' ? kObject : kArray;
          expect_key_[depth_] = c == '{';
          key_[depth_].clear();
        }
        if (depth_ == 2 && c == '[' && kind_[1] == kObject && key_[1] == "data") {
          in_data_ = true;
          items_.clear();
          item_index_ = 0;
          item_pending_ = true;
        }
        skeleton_.push_back(static_cast<char>(c));
        ++i;
        break;
      }
      case '}':
      case ']':
        if (depth_ == 2) in_data_ = false;
        if (depth_ > 0) --depth_;
        skeleton_.push_back(static_cast<char>(c));
        ++i;
        break;
      case ',':
        if (depth_ >= 1 && depth_ <= 3 && kind_[depth_] == kObject) expect_key_[depth_] = true;
        if (depth_ == 2 && in_data_) {
          ++item_index_;
          item_pending_ = true;
        }
        skeleton_.push_back(',');
        ++i;
        break;
      case ':':
        if (depth_ >= 1 && depth_ <= 3 && kind_[depth_] == kObject) {
          expect_key_[depth_] = false;
          if (depth_ == 1 && key_[1] == "data") data_pending_ = true;
        }
        skeleton_.push_back(':');
        ++i;
        break;
      case '"': {
        const bool is_key = depth_ >= 1 && depth_ <= 3 && kind_[depth_] == kObject && expect_key_[depth_];
        if (!is_key && target_string()) {
          Item& item = items_[item_index_];
          const bool is_b64 = key_[3] == "b64_json";
          Field& f = is_b64 ? item.b64 : item.url;
          f = Field{};
          f.content = i + 1;
          size_t payload = i + 1;
          bool splice = is_b64;
          if (!is_b64 && starts_with_data_scheme(buf_ + i + 1, len_ - i - 1)) {
            // A base64 data: URL is decoded in place after its header; anything else (a plain URL, a malformed
            // or percent-encoded data URL) stays in the skeleton for the slow path.
            size_t comma = i + 1;
            while (comma < len_ && comma - i < 4096 && buf_[comma] != ',' && buf_[comma] != '"' && buf_[comma] != '\\' &&
                   buf_[comma] >= 0x20 && buf_[comma] < 0x80)  // a header the fast path splices is printable ASCII
              ++comma;
            if (comma < len_ && buf_[comma] == ',') {
              const DataUrlResult h = parse_data_url(buf_ + i + 1, comma + 1 - (i + 1));
              if (h.ok() && h.url.base64) {
                splice = true;
                payload = comma + 1;
                f.media_type = h.url.media_type;
              }
            }
          }
          if (splice) {
            const size_t close = decode_string(payload, i + 1, f, !is_b64);
            if (close == kNpos) return;  // invalid JSON inside the string: the document is rejected
            f.spliced = true;
            skeleton_.append("\"\"");
            i = close + 1;
            map_.emplace_back(skeleton_.size(), i);
            break;
          }
        }
        size_t bad = 0;
        const size_t close = scan_string(buf_, len_, i, bad);
        if (close == kNpos) {
          json_error_ = true;
          json_error_pos_ = bad;
          return;
        }
        if (is_key) {
          std::string& key = key_[depth_];
          key.assign(reinterpret_cast<const char*>(buf_ + i + 1), close - i - 1);
          if (key.find('\\') != std::string::npos && key.size() < 256) {  // "b64\u005fjson" is "b64_json" too
            nlohmann::json k;
            const std::string quoted = "\"" + key + "\"";
            if (!parse_json(reinterpret_cast<const uint8_t*>(quoted.data()), quoted.size(), k).failed && k.is_string())
              key = k.get<std::string>();
          }
        }
        copy(i, close + 1);
        i = close + 1;
        break;
      }
      default:
        skeleton_.push_back(static_cast<char>(c));
        ++i;
    }
  }
}

size_t map_to_response(const std::vector<std::pair<size_t, size_t>>& map, size_t skeleton_pos) {
  auto it = std::upper_bound(map.begin(), map.end(), std::make_pair(skeleton_pos, kNpos));
  const auto& m = *(it - 1);
  return m.second + (skeleton_pos - m.first);
}

size_t first_non_space(const uint8_t* buf, size_t len) {
  size_t i = 0;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) ++i;
  return i;
}

std::string field_name(size_t k, const char* field) { return "data[" + std::to_string(k) + "]." + field; }

template <typename Result>
void set_error(Result& out, ResponseErrorKind kind, size_t position, int index, std::string message,
               Base64Error b64 = Base64Error::none) {
  out.error.kind = kind;
  out.error.position = position;
  out.error.image_index = index;
  out.error.base64_error = b64;
  out.error.message = std::move(message);
}

std::string base64_message(const std::string& where, Base64Error e, size_t in_string, size_t in_response) {
  std::string what;
  switch (e) {
    case Base64Error::invalid_character: what = "invalid base64 character"; break;
    case Base64Error::bad_padding: what = "misplaced base64 padding"; break;
    case Base64Error::partial_chunk: what = "truncated base64 (a lone final character)"; break;
    default: what = std::string("base64 error ") + to_string(e); break;
  }
  return where + ": " + what + " at offset " + std::to_string(in_string) + " of the image (byte " +
         std::to_string(in_response) + " of the response)";
}

// Checks shared by the fast path and the reference: the document is an images response. Returns false (with
// the error set) when it is not; `data` is set to the data array otherwise.
template <typename Result>
bool check_document(const nlohmann::json& doc, Result& out, size_t doc_pos, size_t data_pos, const nlohmann::json*& data) {
  if (!doc.is_object()) {
    set_error(out, ResponseErrorKind::unexpected_shape, doc_pos, -1, "the response is not a JSON object");
    return false;
  }
  auto d = doc.find("data");
  if (is_error_body(doc, "data")) {
    out.metadata = doc;
    const auto& e = doc["error"];
    std::string msg = "the gateway returned an error body";
    if (e.is_object() && e.contains("message") && e["message"].is_string()) msg += ": " + e["message"].get<std::string>();
    else if (e.is_string()) msg += ": " + e.get<std::string>();
    set_error(out, ResponseErrorKind::error_body, doc_pos, -1, msg);
    return false;
  }
  if (d == doc.end() || d->is_null()) {
    set_error(out, ResponseErrorKind::no_images, doc_pos, -1, "the response has no \"data\" array");
    return false;
  }
  if (!d->is_array()) {
    set_error(out, ResponseErrorKind::unexpected_shape, data_pos, -1, "\"data\" is not an array");
    return false;
  }
  if (d->empty()) {
    set_error(out, ResponseErrorKind::no_images, data_pos, -1, "the response's \"data\" array is empty");
    return false;
  }
  out.metadata = nlohmann::json(nlohmann::json::value_t::object);
  for (const auto& [key, value] : doc.get_ref<const nlohmann::json::object_t&>())
    if (key != "data") out.metadata[key] = value;
  data = &*d;
  return true;
}

}  // namespace

ImagesResponse parse_images_response(uint8_t* buf, size_t len) {
  ImagesResponse out;
  if (!buf || len == 0) {
    set_error(out, ResponseErrorKind::invalid_json, 0, -1, "the response body is empty");
    return out;
  }
  Scanner s(buf, len);
  s.run();
  if (s.json_error_) {
    set_error(out, ResponseErrorKind::invalid_json, s.json_error_pos_, -1,
              "the response is not valid JSON (at byte " + std::to_string(s.json_error_pos_) + ")");
    return out;
  }
  nlohmann::json doc;
  const JsonParseError pe = parse_json(reinterpret_cast<const uint8_t*>(s.skeleton_.data()), s.skeleton_.size(), doc);
  if (pe.failed) {
    const size_t pos = std::min(map_to_response(s.map_, pe.position), len);
    set_error(out, ResponseErrorKind::invalid_json, pos, -1,
              pos >= len ? "the response is not valid JSON (it ends too early: truncated?)"
                         : "the response is not valid JSON (at byte " + std::to_string(pos) + ")");
    return out;
  }
  const nlohmann::json* data = nullptr;
  const size_t doc_pos = first_non_space(buf, len);
  if (!check_document(doc, out, doc_pos, s.data_pos_ == kNpos ? doc_pos : s.data_pos_, data)) return out;

  for (size_t k = 0; k < data->size(); ++k) {
    const nlohmann::json& item = (*data)[k];
    const Item* scanned = k < s.items_.size() ? &s.items_[k] : nullptr;
    const size_t item_pos = scanned && scanned->start != kNpos ? scanned->start : doc_pos;
    const int index = static_cast<int>(k);
    if (!item.is_object()) {
      set_error(out, ResponseErrorKind::unexpected_shape, item_pos, index, field_name(k, "") + " is not an object");
      out.images.clear();
      return out;
    }
    GeneratedImage img;
    auto rp = item.find("revised_prompt");
    if (rp != item.end() && rp->is_string()) {
      img.has_revised_prompt = true;
      img.revised_prompt = rp->get<std::string>();
    }
    auto b64 = item.find("b64_json");
    auto url = item.find("url");
    const bool has_b64 = b64 != item.end() && !b64->is_null();
    const bool has_url = url != item.end() && !url->is_null();
    if (has_b64) {
      if (!b64->is_string() || !scanned || !scanned->b64.spliced) {
        set_error(out, ResponseErrorKind::unexpected_shape, item_pos, index, field_name(k, "b64_json") + " is not a string");
        out.images.clear();
        return out;
      }
      const Field& f = scanned->b64;
      if (f.error != Base64Error::none) {
        set_error(out, ResponseErrorKind::bad_base64, f.error_pos, index,
                  base64_message(field_name(k, "b64_json"), f.error, f.error_pos - f.content, f.error_pos), f.error);
        out.images.clear();
        return out;
      }
      img.has_bytes = true;
      img.offset = f.out_offset;
      img.length = f.out_length;
    } else if (has_url) {
      if (!url->is_string()) {
        set_error(out, ResponseErrorKind::unexpected_shape, item_pos, index, field_name(k, "url") + " is not a string");
        out.images.clear();
        return out;
      }
      if (scanned && scanned->url.spliced) {
        const Field& f = scanned->url;
        if (f.bad_percent) {
          set_error(out, ResponseErrorKind::bad_data_url, f.error_pos, index,
                    field_name(k, "url") + ": malformed data URL (bad_percent)");
          out.images.clear();
          return out;
        }
        if (f.error != Base64Error::none) {
          set_error(out, ResponseErrorKind::bad_base64, f.error_pos, index,
                    base64_message(field_name(k, "url") + " (data URL)", f.error, f.error_pos - f.content, f.error_pos), f.error);
          out.images.clear();
          return out;
        }
        img.has_bytes = true;
        img.offset = f.out_offset;
        img.length = f.out_length;
        img.media_type = f.media_type;
      } else {
        const std::string& u = url->get_ref<const std::string&>();
        const auto* p = reinterpret_cast<const uint8_t*>(u.data());
        if (starts_with_data_scheme(p, u.size())) {
          // The slow path for data URLs the scanner left alone (percent-encoded, escaped or malformed headers).
          std::vector<uint8_t> bytes;
          const DataUrlResult d = decode_data_url(p, u.size(), bytes);
          if (!scanned || scanned->url.content == 0) {  // cannot happen for valid JSON; never write blind
            set_error(out, ResponseErrorKind::unexpected_shape, item_pos, index, field_name(k, "url") + " could not be located");
            out.images.clear();
            return out;
          }
          const size_t at = scanned->url.content;
          if (!d.ok()) {
            const bool b64err = d.error == DataUrlError::bad_base64;
            set_error(out, b64err ? ResponseErrorKind::bad_base64 : ResponseErrorKind::bad_data_url, at + d.position, index,
                      b64err ? base64_message(field_name(k, "url") + " (data URL)", d.base64_error, d.position, at + d.position)
                             : field_name(k, "url") + ": malformed data URL (" + to_string(d.error) + ")",
                      d.base64_error);
            out.images.clear();
            return out;
          }
          // The decoded bytes are never longer than the JSON string they came from: store them in its place.
          // (An empty payload, "data:x/y,", leaves bytes.data() null: memcpy(dst, nullptr, 0) is undefined.)
          if (!bytes.empty()) std::memcpy(buf + at, bytes.data(), bytes.size());
          img.has_bytes = true;
          img.offset = at;
          img.length = bytes.size();
          img.media_type = d.url.media_type;
        } else {
          img.url = u;  // a remote URL: reported, never fetched
        }
      }
    } else {
      set_error(out, ResponseErrorKind::no_images, item_pos, index, field_name(k, "") + " has neither b64_json nor url");
      out.images.clear();
      return out;
    }
    if (img.has_bytes) img.info = sniff_image(buf + img.offset, img.length);
    out.images.push_back(std::move(img));
  }
  return out;
}

ReferenceImages parse_images_response_reference(const uint8_t* buf, size_t len) {
  ReferenceImages out;
  nlohmann::json doc;
  if (!buf || len == 0) {
    set_error(out, ResponseErrorKind::invalid_json, 0, -1, "the response body is empty");
    return out;
  }
  const JsonParseError pe = parse_json(buf, len, doc);
  if (pe.failed) {
    set_error(out, ResponseErrorKind::invalid_json, pe.position, -1, pe.message);
    return out;
  }
  const nlohmann::json* data = nullptr;
  const size_t doc_pos = first_non_space(buf, len);
  if (!check_document(doc, out, doc_pos, doc_pos, data)) return out;
  for (size_t k = 0; k < data->size(); ++k) {
    const nlohmann::json& item = (*data)[k];
    const int index = static_cast<int>(k);
    auto fail = [&](ResponseErrorKind kind, std::string msg, Base64Error e = Base64Error::none, size_t pos = 0) {
      set_error(out, kind, pos, index, std::move(msg), e);  // positions are offsets within the string here
      out.images.clear();
      return out;
    };
    if (!item.is_object()) return fail(ResponseErrorKind::unexpected_shape, "not an object");
    auto b64 = item.find("b64_json");
    auto url = item.find("url");
    const bool has_b64 = b64 != item.end() && !b64->is_null();
    const bool has_url = url != item.end() && !url->is_null();
    std::vector<uint8_t> bytes;
    if (has_b64) {
      if (!b64->is_string()) return fail(ResponseErrorKind::unexpected_shape, "b64_json is not a string");
      const std::string& s = b64->get_ref<const std::string&>();
      bytes.resize(base64_max_decoded_size(s.size()));
      const Base64Result r = decode_base64_scalar(reinterpret_cast<const uint8_t*>(s.data()), s.size(), bytes.data(),
                                                  bytes.size(), image_base64_options());
      if (!r.ok()) return fail(ResponseErrorKind::bad_base64, "bad base64", r.error, r.position);
      bytes.resize(r.written);
    } else if (has_url) {
      if (!url->is_string()) return fail(ResponseErrorKind::unexpected_shape, "url is not a string");
      const std::string& s = url->get_ref<const std::string&>();
      const auto* p = reinterpret_cast<const uint8_t*>(s.data());
      if (!starts_with_data_scheme(p, s.size())) {
        out.images.emplace_back();  // a remote URL: no bytes
        continue;
      }
      const DataUrlResult d = decode_data_url(p, s.size(), bytes);
      if (!d.ok())
        return fail(d.error == DataUrlError::bad_base64 ? ResponseErrorKind::bad_base64 : ResponseErrorKind::bad_data_url,
                    to_string(d.error), d.base64_error, d.position);
    } else {
      return fail(ResponseErrorKind::no_images, "neither b64_json nor url");
    }
    out.images.push_back(std::move(bytes));
  }
  return out;
}

}  // namespace imagegate
