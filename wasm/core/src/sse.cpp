#include "imagegate/sse.hpp"

#include <cstring>

#include "imagegate/text_scan.hpp"

namespace imagegate {

namespace {

// The data of an image event is one line of many MiB: finding its end is the parser's hot path (SWAR).
size_t find_eol(const uint8_t* p, size_t n) { return find_either(p, n, '\n', '\r'); }

}  // namespace

void SseParser::reset() { *this = SseParser(); }

void SseParser::feed(const uint8_t* data, size_t len, SseHandler& h) {
  const size_t base = total_;
  total_ += len;
  // A UTF-8 BOM is dropped only at the very start of the stream, even when it arrives in pieces.
  static const uint8_t kBom[3] = {0xEF, 0xBB, 0xBF};
  size_t i = 0;
  while (!bom_checked_ && i < len) {
    if (data[i] == kBom[bom_matched_]) {
      ++i;
      if (++bom_matched_ == 3) bom_checked_ = true;
      continue;
    }
    bom_checked_ = true;
    consume(kBom, bom_matched_, h, base);  // a partial BOM that turned out not to be one is content
  }
  consume(data + i, len - i, h, base + i);
}

void SseParser::consume(const uint8_t* data, size_t len, SseHandler& h, size_t base) {
  size_t i = 0;
  while (i < len) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (data[i] == '\n') {
        ++i;
        continue;
      }
    }
    switch (state_) {
      case State::line_start:
      case State::field: {
        // Accumulate the field name up to ':' or the end of the line.
        const uint8_t c = data[i];
        if (c == '\r' || c == '\n') {
          skip_lf_ = c == '\r';
          ++i;
          position_ = base + i;
          end_line(h);
          break;
        }
        if (state_ == State::line_start && c == ':') {
          field_ = Field::comment;
          state_ = State::value;
          ++i;
          break;
        }
        state_ = State::field;
        if (c == ':') {
          colon_ = true;
          field_ = field_from_name(name_);
          state_ = State::value_start;
          ++i;
          break;
        }
        if (name_.size() < kMaxFieldValue) name_ += static_cast<char>(c);  // a longer one is unknown anyway
        ++i;
        break;
      }
      case State::value_start:
        if (data[i] == ' ') {  // strip exactly one leading space
          ++i;
          space_ = true;
        }
        state_ = State::value;
        if (field_ == Field::data) begin_data_line(h);
        break;
      case State::value: {
        const size_t run = find_eol(data + i, len - i);
        if (run > 0) {
          if (field_ == Field::data) {
            position_ = base + i + run;
            h.on_data(data + i, run);
            info_.data_bytes += run;
          } else if (value_.size() < kMaxFieldValue) {
            value_.append(reinterpret_cast<const char*>(data + i), std::min(run, kMaxFieldValue - value_.size()));
          }
          i += run;
        }
        if (i < len) {
          skip_lf_ = data[i] == '\r';
          ++i;
          position_ = base + i;
          end_line(h);
        }
        break;
      }
    }
  }
}

SseParser::Field SseParser::field_from_name(const std::string& name) {
  if (name == "data") return Field::data;
  if (name == "event") return Field::event;
  if (name == "id") return Field::id;
  if (name == "retry") return Field::retry;
  return Field::unknown;
}

// The last event id survives dispatch (the spec's "last event ID buffer"); everything else starts over.
void SseParser::reset_event() {
  std::string id = std::move(info_.id);
  info_ = SseEventInfo();
  info_.id = std::move(id);  // id_in_event starts over
  event_.clear();
  data_line_seen_ = false;
}

// Data lines are joined with '\n': emitted before every data line but the first, so nothing trails.
void SseParser::begin_data_line(SseHandler& h) {
  if (data_line_seen_) {
    static const uint8_t nl = '\n';
    h.on_data(&nl, 1);
    ++info_.data_bytes;
  }
  data_line_seen_ = true;
  info_.has_data = true;
}

void SseHandler::on_field(const std::string& name, const std::string& value, const std::string& /*line*/) {
  if (name != "retry" || value.empty() || value.size() > 9) return;
  uint32_t ms = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return;
    ms = ms * 10 + static_cast<uint32_t>(c - '0');
  }
  on_retry(ms);
}

void SseParser::apply_field(SseHandler& h) {
  switch (field_) {
    case Field::event: event_ = value_; break;
    case Field::id:
      if (value_.find('\0') == std::string::npos) {
        info_.id = value_;
        info_.id_in_event = true;
      }
      break;
    case Field::comment: h.on_comment(reinterpret_cast<const uint8_t*>(value_.data()), value_.size()); break;
    case Field::retry:
    case Field::unknown: {
      std::string line = name_;
      if (colon_) {
        line += space_ ? ": " : ":";
        line += value_;
      }
      h.on_field(name_, value_, line);
      break;
    }
    default: break;
  }
}

void SseParser::end_line(SseHandler& h) {
  if (state_ == State::line_start) {
    // A blank line: dispatch.
    if (info_.has_data) {
      info_.event = event_;
      h.on_event(info_);
    } else if (!event_.empty()) {
      h.on_discard();
    }
    reset_event();
  } else {
    if (state_ == State::field) {
      // A line without a colon: the whole line is the field name, the value is empty.
      field_ = field_from_name(name_);
      if (field_ == Field::data) begin_data_line(h);
    } else if (state_ == State::value_start && field_ == Field::data) {
      begin_data_line(h);  // "data:" with nothing after it: an empty data line
    }
    if (field_ != Field::data) apply_field(h);
  }
  state_ = State::line_start;
  field_ = Field::none;
  colon_ = space_ = false;
  name_.clear();
  value_.clear();
}

bool SseParser::finish(SseHandler& h) {
  // A final line without its line ending still counts as a line (but no blank line follows it).
  if (state_ != State::line_start) end_line(h);
  const bool incomplete = info_.has_data;
  if (incomplete) h.on_discard();
  reset_event();
  return incomplete;
}

}  // namespace imagegate
