#pragma once
// The arguments of a console command as `help` and usage errors write them
// ("[SERVICE] [limit N] [json]"), and the matching of a command line's words against that
// text: the one description of a command's syntax, so that what help says is what is accepted.
//
//   word         that literal word
//   a|b|c        one of these literal words
//   UPPER        any one word (SERVICE, ADDR:PORT, N): the handler checks its value
//   UPPER...     every remaining word, at least one (help's COMMAND)
//   [ ... ]      the tokens inside, all of them, or none: tried with them first
//
// A placeholder inside [ ] never takes a word that a later literal could take:
// in "show conntrack limit 5", `limit` is the keyword, not a service named "limit".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::console {

using Words = std::vector<std::string_view>;

// The words of a line, split on spaces and tabs; they point into `line`.
Words split_words(std::string_view line);

// A word as a decimal number no larger than `max`: what N placeholders hold. nullopt for
// anything else (a sign, a letter, too large).
std::optional<std::uint64_t> parse_unsigned(std::string_view word, std::uint64_t max);

// What a match bound: each placeholder, alternation or literal of the form that took a word,
// under its own text ("SERVICE", "enable|disable", "json").
class Arguments {
 public:
  std::optional<std::string_view> get(std::string_view token) const;
  bool has(std::string_view token) const { return get(token).has_value(); }

  void bind(std::string_view token, std::string_view word) { bound_.emplace_back(token, word); }
  std::size_t size() const noexcept { return bound_.size(); }
  void truncate(std::size_t size) { bound_.resize(size); }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> bound_;
};

// The bindings when `words` are what `form` describes, nullopt otherwise. A `UPPER...`
// placeholder binds the text from its first word to the end of the last one. The bound views
// point into `form` and into the words' line.
std::optional<Arguments> match_form(std::string_view form, std::span<const std::string_view> words);

}  // namespace sluice::console
