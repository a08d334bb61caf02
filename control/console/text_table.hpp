#pragma once
// A left-aligned text table for the console's human output: a header row, then one row per
// item, columns separated by two spaces and padded to their widest cell.
#include <string>
#include <vector>

namespace sluice::console {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);

  // A row shorter than the header is padded with empty cells; extra cells are kept.
  void add_row(std::vector<std::string> cells);
  // Every row newline-terminated, no trailing spaces.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

}  // namespace sluice::console
