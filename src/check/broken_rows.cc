// The broken_rows check: every loading problem (malformed record, bad UTF-8, empty text or
// label, label outside the declared set) as a finding. Not thread-safe.
#include <fmt/format.h>

#include "check/checks_internal.h"

namespace trainops::check_internal {

void CheckBrokenRows(const CheckInput& in, CheckReport& report) {
  const bool skipping = in.spec.data.on_bad_row == BadRowPolicy::kSkip;
  for (size_t s = 0; s < in.splits.size(); ++s) {
    const Split& split = in.splits[s];
    for (const RowProblem& p : split.problems) {
      Finding f;
      f.check = "broken_rows";
      f.severity = skipping ? Severity::kWarning : Severity::kError;
      f.message = fmt::format("{}:{}: {}{}{}", split.file, p.line,
                              p.column.empty() ? "" : fmt::format("column \"{}\": ", p.column), p.reason,
                              skipping ? " (training skips this row)" : "");
      f.rows = {{split.file, p.line}};
      f.details = {{"split", split.name}, {"column", p.column}, {"reason", p.reason}};
      report.findings.push_back(std::move(f));
      report.removals.push_back({Removal::Kind::kBroken, s, p.line, "broken row: " + p.reason});
    }
  }
}

}  // namespace trainops::check_internal
