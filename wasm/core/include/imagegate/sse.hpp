#pragma once
// Incremental server-sent-events parser (WHATWG HTML §9.2 "event stream interpretation"), fed with
// chunks of any size. Lines end with LF, CR or CRLF (a CRLF may be split across chunks); a leading BOM is
// dropped; ':' lines are comments; "field: value" strips one leading space; a line without a colon is a field
// with an empty value; data lines are joined with '\n'; a blank line dispatches the event.
//
// The data of an event is streamed to the handler as it arrives (on_data) instead of being buffered, so a
// consumer can process a 28 MiB event in one pass, in linear time, while it is still arriving.
#include <cstddef>
#include <cstdint>
#include <string>

namespace imagegate {

struct SseEventInfo {
  std::string event;      // the `event:` field ("" means the default, "message")
  std::string id;         // the last event id seen so far (persists across events, per the spec)
  bool id_in_event = false;  // an `id` field (without NUL) was seen since the last blank line
  bool has_data = false;  // at least one data line: only such events are dispatched
  size_t data_bytes = 0;  // total data bytes delivered through on_data for this event
};

class SseHandler {
 public:
  virtual ~SseHandler() = default;
  // Bytes of the current event's data, in order; the '\n' between data lines included.
  virtual void on_data(const uint8_t* bytes, size_t len) = 0;
  // A blank line ended an event that had data.
  virtual void on_event(const SseEventInfo& info) = 0;
  // An event without data ended (its data callbacks never happened): nothing to dispatch. Optional.
  virtual void on_discard() {}
  virtual void on_retry(uint32_t /*ms*/) {}
  virtual void on_comment(const uint8_t* /*bytes*/, size_t /*len*/) {}
  // A line whose field is neither data, event nor id (so `retry` and unknown names). `name` and `value` as the spec
  // splits the line (the value without its one leading space), `line` the whole line; each is kept up to
  // SseParser::kMaxFieldValue bytes. The default does what the spec says: a retry value of 1 to 9 ASCII digits goes
  // to on_retry, anything else is ignored.
  virtual void on_field(const std::string& name, const std::string& value, const std::string& line);
};

class SseParser {
 public:
  // Field names, comments and values other than data longer than this are truncated (they are never
  // legitimately long).
  static constexpr size_t kMaxFieldValue = 64 * 1024;

  void feed(const uint8_t* data, size_t len, SseHandler& handler);
  // End of the stream. Returns true when it ended in the middle of an event (data received but no blank
  // line): that event is NOT dispatched (as the spec says); the caller decides whether that is an error.
  bool finish(SseHandler& handler);
  void reset();

  size_t bytes_fed() const { return total_; }
  // Offset in the stream just past the last byte acted on: inside on_event, just past the blank line that ended
  // the event. Unlike bytes_fed(), it does not depend on how the stream was chunked.
  size_t position() const { return position_; }
  // Bytes of data received so far for the event being parsed (0 between events).
  size_t pending_data_bytes() const { return info_.data_bytes; }
  bool in_event() const { return info_.has_data; }

 private:
  enum class State : uint8_t { line_start, field, value_start, value };
  enum class Field : uint8_t { none, data, event, id, retry, comment, unknown };

  void consume(const uint8_t* data, size_t len, SseHandler& handler, size_t base);
  void end_line(SseHandler& handler);
  void begin_data_line(SseHandler& handler);
  void reset_event();
  static Field field_from_name(const std::string& name);
  void apply_field(SseHandler& handler);

  State state_ = State::line_start;
  Field field_ = Field::none;
  bool skip_lf_ = false;       // the previous chunk ended with CR: a leading LF belongs to it
  bool bom_checked_ = false;
  uint8_t bom_matched_ = 0;
  size_t total_ = 0;
  size_t position_ = 0;
  bool data_line_seen_ = false;  // a data line in this event already (the next one is preceded by '\n')
  bool colon_ = false;           // the current line has a ':' after its field name
  bool space_ = false;           // ... and the value's one leading space was stripped
  std::string name_;             // field name of the current line
  std::string value_;            // value of a non-data field
  std::string event_;            // pending event type
  SseEventInfo info_;
};

}  // namespace imagegate
