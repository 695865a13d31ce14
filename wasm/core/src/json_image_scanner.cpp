// JsonImageScanner: structure tracking + skeleton + ImageStringDecoder for the strings that carry images.
#include "imagegate/json_image_scanner.hpp"

#include <algorithm>
#include <cstring>

#include "imagegate/json_util.hpp"
#include "imagegate/text_scan.hpp"

namespace imagegate {

namespace {
constexpr size_t kNpos = static_cast<size_t>(-1);
constexpr size_t kKeyMax = 256;  // longer keys are none of the ones the targets look for
bool json_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

JsonImageScanner::JsonImageScanner(ImageTarget target, Output output) : target_(target), output_(output) {}

void JsonImageScanner::reset() { *this = JsonImageScanner(target_, output_); }

void JsonImageScanner::feed_in_place(uint8_t* data, size_t len) { run(data, len, data, len); }

void JsonImageScanner::feed(const uint8_t* data, size_t len) { run(data, len, nullptr, 0); }

ImageField JsonImageScanner::field_here() const {
  const auto& s = stack_;
  if (overflow_) return ImageField::none;
  auto key = [&](size_t k, const char* name) { return s[k].object && s[k].key == name; };
  auto arr = [&](size_t k) { return !s[k].object; };
  if (target_ == ImageTarget::images_response) {
    if (s.size() != 3 || !key(0, "data") || !arr(1) || !s[2].object) return ImageField::none;
    if (s[2].key == "b64_json") return ImageField::base64;
    if (s[2].key == "url") return ImageField::url;
    return ImageField::none;
  }
  const char* holder = target_ == ImageTarget::chat_message ? "message" : "delta";
  if (s.size() < 5 || s.size() > 7) return ImageField::none;
  if (!key(0, "choices") || !arr(1) || !key(2, holder) || !key(3, "images") || !arr(4)) return ImageField::none;
  if (s.size() == 5) return ImageField::url;  // "images": ["data:…"]
  if (s.size() == 6) return key(5, "image_url") || key(5, "url") ? ImageField::url : ImageField::none;
  return key(5, "image_url") && key(6, "url") ? ImageField::url : ImageField::none;
}

void JsonImageScanner::value_starts(size_t pos) {
  if (!value_pending_) return;
  value_pending_ = false;
  if (target_ != ImageTarget::images_response || overflow_) return;
  if (stack_.size() == 1 && stack_[0].object && stack_[0].key == "data") data_pos_ = pos;
  if (stack_.size() == 2 && stack_[0].object && stack_[0].key == "data" && !stack_[1].object) {
    const size_t k = stack_[1].index;
    if (item_pos_.size() <= k) item_pos_.resize(k + 1, kNpos);
    item_pos_[k] = pos;
  }
}

void JsonImageScanner::structural(uint8_t c, size_t pos) {
  if (json_space(c)) return;
  switch (c) {
    case '{':
    case '[':
      value_starts(pos);
      if (overflow_ || stack_.size() > kMaxJsonDepth) {
        ++overflow_;
      } else {
        Frame f;
        f.object = c == '{';
        f.expect_key = f.object;
        stack_.push_back(std::move(f));
      }
      value_pending_ = c == '[';
      return;
    case '}':
    case ']':
      if (overflow_) --overflow_;
      else if (!stack_.empty()) stack_.pop_back();
      value_pending_ = false;
      return;
    case ',':
      if (!overflow_ && !stack_.empty()) {
        Frame& f = stack_.back();
        if (f.object) f.expect_key = true;
        else ++f.index, value_pending_ = true;
      }
      return;
    case ':':
      if (!overflow_ && !stack_.empty() && stack_.back().object) stack_.back().expect_key = false;
      value_pending_ = true;
      return;
    default: value_starts(pos); return;
  }
}

void JsonImageScanner::finish_key() {
  Frame& f = stack_.back();
  if (key_long_) {
    f.key.assign("\x01");  // matches nothing
    return;
  }
  if (key_raw_.find('\\') == std::string::npos) {
    f.key = key_raw_;
    return;
  }
  // "b64\u005fjson" is "b64_json" too. (An invalid escape makes the skeleton invalid JSON anyway.)
  f.key.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(key_raw_.data());
  for (size_t i = 0; i < key_raw_.size();) {
    uint8_t b[4];
    size_t nb = 0;
    const size_t r = read_json_char(p + i, key_raw_.size() - i, b, nb);
    if (r == 0 || r == kUtf8NeedMore) {
      f.key.assign("\x01");
      return;
    }
    f.key.append(reinterpret_cast<const char*>(b), nb);
    i += r;
  }
}

void JsonImageScanner::start_string(uint8_t* writable, size_t writable_len, size_t pos) {
  const bool is_key = !overflow_ && !stack_.empty() && stack_.back().object && stack_.back().expect_key;
  if (is_key) {
    mode_ = Mode::key;
    key_raw_.clear();
    key_long_ = false;
    skeleton_.push_back('"');
    return;
  }
  value_starts(pos);
  const ImageField field = field_here();
  if (field == ImageField::none) {
    mode_ = Mode::string;
    skeleton_.push_back('"');
    return;
  }
  images_.emplace_back();
  ScannedImage& img = images_.back();
  img.field = field;
  img.content = pos + 1;
  for (const Frame& f : stack_) {
    PathStep step;
    step.is_index = !f.object;
    if (f.object) step.key = f.key;
    else step.index = f.index;
    img.path.push_back(std::move(step));
  }
  const ImageOut out = output_ == Output::in_place ? ImageOut::in_place(writable, pos + 1, writable_len)
                                                   : ImageOut::append_to(&img.bytes);
  decoder_.start(field, out, pos + 1);
  mode_ = Mode::image;
}

void JsonImageScanner::end_image() {
  ScannedImage& img = images_.back();
  decoder_.out().close();
  img.complete = true;
  img.length = decoder_.decoded();
  img.media_type = decoder_.media_type();
  img.data_url = decoder_.is_data_url();
  img.failure = decoder_.failure();
  img.failure_position = decoder_.failure_position();
  img.base64_error = decoder_.base64_error();
  img.data_url_error = decoder_.data_url_error();
}

void JsonImageScanner::run(const uint8_t* data, size_t len, uint8_t* writable, size_t writable_len) {
  size_t i = 0;
  while (i < len && !failed_) {
    switch (mode_) {
      case Mode::structure: {
        const size_t from = i;
        for (; i < len && data[i] != '"'; ++i) structural(data[i], offset_ + i);
        skeleton_.append(reinterpret_cast<const char*>(data + from), i - from);
        if (i < len) {
          start_string(writable, writable_len, offset_ + i);
          ++i;
        }
        break;
      }
      case Mode::key:
      case Mode::string: {
        if (escape_) {  // the escaped character itself (nlohmann checks the escape on the skeleton)
          escape_ = false;
          if (mode_ == Mode::key && key_raw_.size() < kKeyMax) key_raw_.push_back(static_cast<char>(data[i]));
          skeleton_.push_back(static_cast<char>(data[i++]));
          break;
        }
        const size_t run = find_either(data + i, len - i, '"', '\\');
        skeleton_.append(reinterpret_cast<const char*>(data + i), run);
        if (mode_ == Mode::key) {
          if (key_raw_.size() + run <= kKeyMax) key_raw_.append(reinterpret_cast<const char*>(data + i), run);
          else key_long_ = true;
        }
        i += run;
        if (i >= len) break;
        skeleton_.push_back(static_cast<char>(data[i]));
        if (data[i] == '"') {
          if (mode_ == Mode::key) finish_key();
          mode_ = Mode::structure;
        } else {
          escape_ = true;
          if (mode_ == Mode::key && key_raw_.size() < kKeyMax) key_raw_.push_back('\\');
        }
        ++i;
        break;
      }
      case Mode::image: {
        const size_t n = decoder_.feed(data + i, len - i, offset_ + i);
        i += n;
        if (decoder_.failure() == ImageStringFailure::invalid_json) {
          failed_ = true;
          failure_pos_ = decoder_.failure_position();
          break;
        }
        if (decoder_.verdict() == ImageStringDecoder::Verdict::not_image) {
          // A URL that is not a data: URL: it stays in the document as it was sent.
          url_paths_.push_back(std::move(images_.back().path));
          images_.pop_back();
          skeleton_.push_back('"');
          skeleton_ += decoder_.raw();
          if (decoder_.ended()) {
            skeleton_.push_back('"');
            mode_ = Mode::structure;
          } else {
            mode_ = Mode::string;
            escape_ = false;
          }
          break;
        }
        if (decoder_.ended()) {
          end_image();
          skeleton_.append("\"\"");
          map_.emplace_back(skeleton_.size(), offset_ + i);
          mode_ = Mode::structure;
        }
        break;
      }
    }
  }
  offset_ += len;
}

size_t JsonImageScanner::input_position(size_t skeleton_pos) const {
  auto it = std::upper_bound(map_.begin(), map_.end(), std::make_pair(skeleton_pos, kNpos));
  const auto& m = *(it - 1);
  return m.second + (skeleton_pos - m.first);
}

const ScannedImage* JsonImageScanner::find(const JsonPath& path) const {
  for (auto it = images_.rbegin(); it != images_.rend(); ++it)
    if (it->path == path) return &*it;
  return nullptr;
}

const ScannedImage* JsonImageScanner::first_failure() const {
  for (const ScannedImage& img : images_)
    if (img.failure != ImageStringFailure::none) return &img;
  return nullptr;
}

const nlohmann::json* json_at(const nlohmann::json& doc, const JsonPath& path) {
  const nlohmann::json* j = &doc;
  for (const PathStep& s : path) {
    if (s.is_index) {
      if (!j->is_array() || s.index >= j->size()) return nullptr;
      j = &(*j)[s.index];
    } else {
      if (!j->is_object()) return nullptr;
      auto it = j->find(s.key);
      if (it == j->end()) return nullptr;
      j = &*it;
    }
  }
  return j;
}

}  // namespace imagegate
