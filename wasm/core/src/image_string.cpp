// ImageStringDecoder: one JSON string that may carry an image, read incrementally (image_string.hpp).
#include "imagegate/image_string.hpp"

#include <algorithm>
#include <cstring>

#include "imagegate/text_scan.hpp"

namespace imagegate {

namespace {

constexpr size_t kHeaderMax = 4096;  // a data URL's MIME type portion is far shorter; past this, read it whole

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }
bool tab_or_newline(uint8_t c) { return c == '\t' || c == '\n' || c == '\r'; }
bool ascii_whitespace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

}  // namespace

const char* to_string(ImageStringFailure f) {
  switch (f) {
    case ImageStringFailure::none: return "none";
    case ImageStringFailure::invalid_json: return "invalid_json";
    case ImageStringFailure::bad_base64: return "bad_base64";
    case ImageStringFailure::bad_data_url: return "bad_data_url";
  }
  return "unknown";
}

// One step of the scheme rule: `matched` scheme characters so far, then byte `b`. Returns -1 when the text cannot be
// a data: URL any more, else the characters matched after `b` (5: "data:" complete).
static int data_scheme_step(size_t matched, uint8_t b) {
  if ((matched == 0 && b <= 0x20) || tab_or_newline(b)) return static_cast<int>(matched);  // stripped / removed
  if (lower(b) != static_cast<uint8_t>("data:"[matched])) return -1;
  return static_cast<int>(matched + 1);
}

bool has_data_url_scheme(const uint8_t* p, size_t n) {
  int matched = 0;
  for (size_t i = 0; i < n && matched >= 0 && matched < 5; ++i) matched = data_scheme_step(static_cast<size_t>(matched), p[i]);
  return matched == 5;
}

Base64Options image_base64_options(ImageField field) {
  if (field == ImageField::url) return data_url_base64_options();
  Base64Options o;
  o.alphabet = Base64Alphabet::standard;
  o.last_chunk = LastChunk::loose;
  o.skip_whitespace = true;
  return o;
}

uint8_t* ImageOut::room(size_t n, size_t& capacity) {
  if (vec_) {
    if (vec_->size() < used_ + n) vec_->resize(std::max(used_ + n, vec_->size() + vec_->size() / 2));
    capacity = vec_->size() - used_;
    return vec_->data() + used_;
  }
  capacity = limit_ - pos_;
  return base_ + pos_;
}

void ImageOut::wrote(size_t n) {
  if (vec_) used_ += n;
  else pos_ += n;
}

void ImageStringDecoder::start(ImageField field, ImageOut out, size_t content) {
  *this = ImageStringDecoder();
  field_ = field;
  out_ = out;
  content_ = content;
  if (field == ImageField::base64) {
    phase_ = Phase::payload;
    verdict_ = Verdict::image;
    base64_ = true;
    dec_ = Base64StreamDecoder(image_base64_options(field));
  }
}

size_t ImageStringDecoder::feed(const uint8_t* p, size_t n, size_t at) {
  size_t i = 0;
  uint8_t bytes[4];
  size_t nb = 0;
  // A token cut by the previous piece: complete it byte by byte (at most 11 more bytes).
  while (stash_len_ > 0 && i < n) {
    stash_[stash_len_++] = p[i++];
    const size_t r = read_json_char(stash_, stash_len_, bytes, nb);
    if (r == kUtf8NeedMore && stash_len_ < sizeof stash_) continue;
    if (r == 0 || r == kUtf8NeedMore) {
      json_failed(stash_pos_);
      return i;
    }
    stash_len_ = 0;
    if (!deliver(bytes, nb, stash_, r, stash_pos_)) return i;
  }
  while (i < n) {
    if (phase_ == Phase::payload && base64_ && !pct_.pending() && hold_.empty()) {
      // The bulk: base64 characters straight from the input through the SIMD kernel, up to the first other byte.
      dec_.set_offset(at + i);
      size_t cap = 0;
      uint8_t* o = out_.room(base64_max_decoded_size(n - i) + 3, cap);
      const Base64Result r = dec_.feed_until_invalid(p + i, n - i, o, cap);
      out_.wrote(r.written);
      decoded_ += r.written;
      if (!r.ok()) {
        base64_failed(r);
        if (r.position >= at + i && r.position < at + n) i = r.position - at;  // validate the JSON from there on
        continue;
      }
      i += r.consumed;
      if (i >= n) break;
    }
    if (phase_ == Phase::skip) {  // nothing more to decode: only the JSON text is checked, to the closing quote
      while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') ++i;
      if (i >= n) break;
    }
    if (p[i] == '"') {
      end(at + i);
      return i + 1;
    }
    const size_t r = read_json_char(p + i, n - i, bytes, nb);
    if (r == kUtf8NeedMore) {
      std::memcpy(stash_, p + i, n - i);
      stash_len_ = n - i;
      stash_pos_ = at + i;
      return n;
    }
    if (r == 0) {
      json_failed(at + i);
      return i;
    }
    const size_t pos = at + i;
    i += r;
    if (!deliver(bytes, nb, p + i - r, r, pos)) return i;
  }
  return i;
}

bool ImageStringDecoder::deliver(const uint8_t* bytes, size_t n, const uint8_t* raw, size_t raw_len, size_t pos) {
  switch (phase_) {
    case Phase::header:
      raw_.append(reinterpret_cast<const char*>(raw), raw_len);
      for (size_t k = 0; k < n && phase_ == Phase::header; ++k) {
        header_byte(bytes[k]);
        if (verdict_ == Verdict::not_image) return false;
      }
      // A multi-byte character cannot hold the ',' that ends the header, so nothing of it is left over.
      break;
    case Phase::payload:
      for (size_t k = 0; k < n && phase_ == Phase::payload; ++k) {
        if (data_url_) payload_byte(bytes[k], pos);
        else emit(bytes[k], pos);
      }
      break;
    case Phase::buffered: header_.append(reinterpret_cast<const char*>(bytes), n); break;
    case Phase::skip: break;
  }
  return true;
}

void ImageStringDecoder::header_byte(uint8_t b) {
  header_.push_back(static_cast<char>(b));
  if (significant_ < 5) {
    // The URL parser strips leading C0 controls and spaces and removes tab/newline anywhere; the scheme is ASCII
    // case-insensitive (the rule has_data_url_scheme applies to a whole text).
    const int step = data_scheme_step(significant_, b);
    if (step < 0) {
      verdict_ = Verdict::not_image;
      return;
    }
    significant_ = static_cast<size_t>(step);
    if (significant_ == 5) {
      after_scheme_ = true;
      verdict_ = Verdict::image;
      data_url_ = true;
    }
    return;
  }
  if (after_scheme_ && !tab_or_newline(b)) {
    after_scheme_ = false;
    if (b == '/') {  // data:/… and data://…: hierarchical forms, rare; the processor reads them whole
      phase_ = Phase::buffered;
      return;
    }
  }
  if (b == ',' || b == '#') decide_header();
  else if (header_.size() > kHeaderMax) phase_ = Phase::buffered;
}

void ImageStringDecoder::decide_header() {
  std::vector<uint8_t> none;
  const DataUrlResult r =
      decode_data_url(reinterpret_cast<const uint8_t*>(header_.data()), header_.size(), none, DataUrlMode::whatwg);
  if (!r.ok()) {
    data_url_failed(r, content_);
    return;
  }
  media_type_ = r.url.media_type;
  base64_ = r.url.base64;
  phase_ = Phase::payload;
  if (base64_) dec_ = Base64StreamDecoder(image_base64_options(ImageField::url));
  std::string().swap(header_);
  std::string().swap(raw_);
}

void ImageStringDecoder::payload_byte(uint8_t b, size_t pos) {
  if (tab_or_newline(b)) return;  // the URL parser removes them
  if (b == '#') {                 // the fragment is not part of the data
    for (const Held& h : hold_) percent_byte(h.byte, h.pos);
    end_payload();
    phase_ = Phase::skip;
    return;
  }
  // Trailing C0 controls and spaces are stripped from the URL: hold them until something else follows. (In base64,
  // ASCII whitespace is skipped wherever it is, so only the other controls need holding.)
  if (b <= 0x20 && !(base64_ && ascii_whitespace(b))) {
    hold_.push_back({b, pos});
    return;
  }
  for (const Held& h : hold_) percent_byte(h.byte, h.pos);
  hold_.clear();
  percent_byte(b, pos);
}

void ImageStringDecoder::percent_byte(uint8_t b, size_t pos) {
  pct_.take(b, pos, [this](uint8_t c, size_t at) { emit(c, at); });
}

void ImageStringDecoder::emit(uint8_t b, size_t pos) {
  if (phase_ != Phase::payload) return;
  if (!base64_) {
    write(&b, 1);
    return;
  }
  dec_.set_offset(pos);
  size_t cap = 0;
  uint8_t* o = out_.room(4, cap);
  const Base64Result r = dec_.feed(&b, 1, o, cap);
  out_.wrote(r.written);
  decoded_ += r.written;
  if (!r.ok()) base64_failed(r);
}

void ImageStringDecoder::write(const uint8_t* b, size_t n) {
  if (n == 0) return;
  size_t cap = 0;
  uint8_t* o = out_.room(n, cap);
  std::memcpy(o, b, n);
  out_.wrote(n);
  decoded_ += n;
}

void ImageStringDecoder::base64_failed(const Base64Result& r) {
  if (failure_ != ImageStringFailure::none) return;
  failure_ = ImageStringFailure::bad_base64;
  failure_pos_ = r.position;
  base64_error_ = r.error;
  phase_ = Phase::skip;
}

void ImageStringDecoder::data_url_failed(const DataUrlResult& r, size_t base) {
  if (failure_ != ImageStringFailure::none) return;
  failure_ = r.error == DataUrlError::bad_base64 ? ImageStringFailure::bad_base64 : ImageStringFailure::bad_data_url;
  failure_pos_ = base + r.position;
  base64_error_ = r.base64_error;
  data_url_error_ = r.error == DataUrlError::none ? DataUrlError::not_a_data_url : r.error;
  verdict_ = Verdict::image;
  data_url_ = true;
  phase_ = Phase::skip;
}

void ImageStringDecoder::json_failed(size_t pos) {
  failure_ = ImageStringFailure::invalid_json;
  failure_pos_ = pos;
  phase_ = Phase::skip;
}

// The end of the base64 or percent-encoded payload (the closing quote, or a fragment).
void ImageStringDecoder::end_payload() {
  hold_.clear();  // trailing C0/space: stripped
  if (data_url_) pct_.end([this](uint8_t c, size_t at) { emit(c, at); });
  if (phase_ == Phase::payload && base64_) {
    size_t cap = 0;
    uint8_t* o = out_.room(3, cap);
    const Base64Result r = dec_.finish(o, cap);
    out_.wrote(r.written);
    decoded_ += r.written;
    if (!r.ok()) base64_failed(r);
  }
}

void ImageStringDecoder::end(size_t pos) {
  ended_ = true;
  switch (phase_) {
    case Phase::header:
      if (significant_ < 5) {
        verdict_ = Verdict::not_image;
        return;
      }
      finish_data_url(pos);
      return;
    case Phase::buffered: finish_data_url(pos); return;
    case Phase::payload: end_payload(); return;
    case Phase::skip: return;
  }
}

// The processor over the whole (unescaped) URL: data URLs without a ',' or with a huge or hierarchical header.
void ImageStringDecoder::finish_data_url(size_t quote) {
  std::vector<uint8_t> payload;
  const DataUrlResult r =
      decode_data_url(reinterpret_cast<const uint8_t*>(header_.data()), header_.size(), payload, DataUrlMode::whatwg);
  verdict_ = Verdict::image;
  data_url_ = true;
  if (!r.ok()) {
    data_url_failed(r, content_);
    return;
  }
  if (payload.size() > quote - content_) {  // in place, the bytes must fit where the string was (they always do)
    DataUrlResult too_long;
    too_long.error = DataUrlError::not_a_data_url;
    data_url_failed(too_long, content_);
    return;
  }
  media_type_ = r.url.media_type;
  base64_ = r.url.base64;
  write(payload.data(), payload.size());
  std::string().swap(header_);
}

}  // namespace imagegate
