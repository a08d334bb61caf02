#include "control/console/grammar.hpp"

#include <algorithm>

namespace sluice::console {
namespace {

enum class Kind {
  kLiteral,      // "limit"
  kChoice,       // "enable|disable"
  kPlaceholder,  // "SERVICE"
  kRest,         // "COMMAND..."
  kOpen,         // "[": its `close` is the index of the matching "]"
  kClose,        // "]"
};

struct Token {
  Kind kind;
  std::string_view text;  // without the "..." of a kRest
  std::size_t close = 0;
  bool optional = false;  // inside [ ]
};

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// The forms are the command table's constants: a malformed one (an unclosed "[") is a
// programming error that the table's tests catch, so it is read leniently, never thrown on.
std::vector<Token> tokenize(std::string_view form) {
  std::vector<Token> tokens;
  std::vector<std::size_t> open;
  for (std::string_view word : split_words(form)) {
    while (word.starts_with('[')) {
      open.push_back(tokens.size());
      tokens.push_back({Kind::kOpen, "["});
      word.remove_prefix(1);
    }
    std::size_t closes = 0;
    while (word.ends_with(']')) {
      ++closes;
      word.remove_suffix(1);
    }
    if (!word.empty()) {
      Token token{Kind::kLiteral, word};
      if (word.ends_with("...")) {
        token = {Kind::kRest, word.substr(0, word.size() - 3)};
      } else if (is_upper(word.front())) {
        token.kind = Kind::kPlaceholder;
      } else if (word.find('|') != std::string_view::npos) {
        token.kind = Kind::kChoice;
      }
      token.optional = !open.empty();
      tokens.push_back(token);
    }
    for (; closes > 0 && !open.empty(); --closes) {
      tokens[open.back()].close = tokens.size();
      open.pop_back();
      tokens.push_back({Kind::kClose, "]"});
    }
  }
  for (const std::size_t index : open) tokens[index].close = tokens.size() - 1;
  return tokens;
}

bool takes(const Token& token, std::string_view word) {
  if (token.kind == Kind::kLiteral) return token.text == word;
  if (token.kind != Kind::kChoice) return false;
  std::string_view rest = token.text;
  while (!rest.empty()) {
    const std::size_t bar = std::min(rest.find('|'), rest.size());
    if (rest.substr(0, bar) == word) return true;
    rest.remove_prefix(std::min(bar + 1, rest.size()));
  }
  return false;
}

// Backtracking over the tokens: forms have a handful of them, so the few alternatives that an
// optional group opens cost nothing.
class Matcher {
 public:
  Matcher(const std::vector<Token>& tokens, std::span<const std::string_view> words)
      : tokens_(tokens), words_(words) {}

  bool match(std::size_t token, std::size_t word) {
    if (token == tokens_.size()) return word == words_.size();
    const Token& current = tokens_[token];
    switch (current.kind) {
      case Kind::kOpen:
        return attempt([&] { return match(token + 1, word); }) ||
               match(current.close + 1, word);
      case Kind::kClose:
        return match(token + 1, word);
      case Kind::kLiteral:
      case Kind::kChoice:
        if (word == words_.size() || !takes(current, words_[word])) return false;
        return bind_and_match(token, words_[word], word + 1);
      case Kind::kPlaceholder:
        if (word == words_.size()) return false;
        if (current.optional && keyword_after(token, words_[word])) return false;
        return bind_and_match(token, words_[word], word + 1);
      case Kind::kRest: {
        if (word == words_.size()) return false;
        const std::string_view last = words_.back();
        const std::string_view all(words_[word].data(),
                                   static_cast<std::size_t>(last.data() + last.size() -
                                                            words_[word].data()));
        return bind_and_match(token, all, words_.size());
      }
    }
    return false;
  }

  Arguments take() { return std::move(arguments_); }

 private:
  // Runs `step`; undoes its bindings when it fails.
  template <typename Step>
  bool attempt(Step step) {
    const std::size_t mark = arguments_.size();
    if (step()) return true;
    arguments_.truncate(mark);
    return false;
  }

  bool bind_and_match(std::size_t token, std::string_view value, std::size_t next_word) {
    return attempt([&] {
      arguments_.bind(tokens_[token].text, value);
      return match(token + 1, next_word);
    });
  }

  bool keyword_after(std::size_t token, std::string_view word) const {
    return std::any_of(tokens_.begin() + static_cast<std::ptrdiff_t>(token) + 1, tokens_.end(),
                       [&](const Token& later) { return takes(later, word); });
  }

  const std::vector<Token>& tokens_;
  std::span<const std::string_view> words_;
  Arguments arguments_;
};

}  // namespace

Words split_words(std::string_view line) {
  Words words;
  std::size_t position = 0;
  while (position < line.size()) {
    while (position < line.size() && (line[position] == ' ' || line[position] == '\t')) {
      ++position;
    }
    const std::size_t start = position;
    while (position < line.size() && line[position] != ' ' && line[position] != '\t') {
      ++position;
    }
    if (position > start) words.push_back(line.substr(start, position - start));
  }
  return words;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view word, std::uint64_t max) {
  if (word.empty() || word.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : word) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

std::optional<std::string_view> Arguments::get(std::string_view token) const {
  for (const auto& [name, word] : bound_) {
    if (name == token) return word;
  }
  return std::nullopt;
}

std::optional<Arguments> match_form(std::string_view form,
                                    std::span<const std::string_view> words) {
  const std::vector<Token> tokens = tokenize(form);
  Matcher matcher(tokens, words);
  if (!matcher.match(0, 0)) return std::nullopt;
  return matcher.take();
}

}  // namespace sluice::console
