#pragma once
// The kinds JS passes into the bindings, declared once here and registered once with embind (bindings.cpp), so
// that JS names them (core.mjs `kinds`) instead of repeating numbers.
namespace imagegate_bindings {

// Which request body build_request makes.
enum class RequestKind : int { images = 0, chat = 1, chat_stream = 2 };
// How a response body is parsed (start_request, and the parse functions JS calls itself).
enum class ParseKind : int { json = 0, images = 1, chat = 2 };

}  // namespace imagegate_bindings
