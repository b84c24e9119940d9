#include "registry/registry_copy.h"

#include <vector>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "registry/sql_db.h"

namespace trainops {
namespace {

struct Table {
  const char* name;
  const char* columns;  // the same on both backends (schema_sqlite.cc, schema_postgres.cc)
  bool identity;        // an integer id the backend generates
};

// Parents before children, so foreign keys hold at every insert.
const std::vector<Table>& Tables() {
  static const std::vector<Table> tables = {
      {"models", "id, task, run_id, file_name, size_bytes, status, metrics_json, created_at", false},
      {"runs", "id, task, spec_path, spec_hash, run_dir, run_json, checkpoints_json, model_id, created_at", false},
      {"gate_reports",
       "id, model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at, production_at_gate, "
       "compared_with_production",
       true},
      {"status_history", "id, model_id, task, from_status, to_status, reason, forced, at, gate_report_id", true},
      {"gate_policies", "id, task, settings_json, settings_hash, reason, history_id, gate_report_id, registered_at",
       true},
      {"monitor_runs",
       "id, task, model_id, window_key, source, window_first, window_last, alerts_json, report_json, created_at", true},
      {"cycles",
       "id, task, window_key, source, window_first, window_last, triggered, retrained, promoted, candidate, "
       "production, fired_json, report_json, created_at",
       true},
      {"feedback", "id, task, row_key, text, label, source, cycle_id, holdout, created_at, relabelled_at", true},
      {"selections", "id, task, cycle_id, row_key, text, stratum, estimate_weight, rank, created_at", true},
  };
  return tables;
}

int64_t Count(sql::Database& db, const char* table) {
  sql::Statement s(db, fmt::format("SELECT count(*) FROM {}", table));
  s.Step();
  return s.Int(0);
}

// Column types by name: what each value is bound as.
enum class Kind { kText, kInt, kReal };
Kind KindOf(const std::string& column) {
  static const std::vector<std::string> ints = {"id",        "size_bytes", "passed",    "compared_with_production",
                                                "forced",    "gate_report_id", "history_id", "triggered",
                                                "retrained", "promoted",   "cycle_id",  "holdout", "rank"};
  if (column == "estimate_weight") return Kind::kReal;
  for (const auto& c : ints)
    if (c == column) return Kind::kInt;
  return Kind::kText;
}

std::vector<std::string> Split(const char* columns) {
  std::vector<std::string> out;
  std::string current;
  for (const char* p = columns;; ++p) {
    if (*p == ',' || *p == '\0') {
      out.push_back(current);
      current.clear();
      if (*p == '\0') break;
    } else if (*p != ' ') {
      current += *p;
    }
  }
  return out;
}

}  // namespace

RegistryCopyResult CopyRegistry(const Registry& from, Registry& to) {
  sql::Database& src = *from.db_;
  sql::Database& dst = *to.db_;
  RegistryCopyResult result;
  sql::Transaction tx(dst, sql::Transaction::Mode::kImmediate);
  for (const Table& t : Tables()) {
    if (const int64_t n = Count(dst, t.name); n > 0) {
      throw InputError(fmt::format("{}: the target registry already holds {} row(s) in {}; migrate into an empty "
                                   "registry (nothing was written)",
                                   dst.where(), n, t.name));
    }
  }
  for (const Table& t : Tables()) {
    const std::vector<std::string> columns = Split(t.columns);
    std::string params;
    for (size_t i = 0; i < columns.size(); ++i) params += fmt::format("{}?{}", i ? ", " : "", i + 1);
    sql::Statement read(src, fmt::format("SELECT {} FROM {} ORDER BY {}", t.columns, t.name,
                                         t.identity ? "id" : "created_at, id"));
    sql::Statement write(dst, fmt::format("INSERT INTO {} ({}) VALUES ({})", t.name, t.columns, params));
    int64_t copied = 0;
    while (read.Step()) {
      write.Reset();
      for (size_t i = 0; i < columns.size(); ++i) {
        const int c = static_cast<int>(i);
        if (read.IsNull(c)) {
          write.BindNull(c + 1);
          continue;
        }
        switch (KindOf(columns[i])) {
          case Kind::kInt:
            // models.id and runs.id are text; the others named id are integers.
            if (columns[i] == "id" && !t.identity) write.Bind(c + 1, read.Text(c));
            else write.Bind(c + 1, read.Int(c));
            break;
          case Kind::kReal:
            write.Bind(c + 1, read.Double(c));
            break;
          case Kind::kText:
            write.Bind(c + 1, read.Text(c));
            break;
        }
      }
      write.Run();
      ++copied;
      if (std::string(t.name) == "models") {
        const std::string id = read.Text(0);
        // Read through the source registry: its store file (SQLite) or its database
        // (PostgreSQL), checked against the id either way.
        const std::string bytes = from.ModelBytes(id);
        result.model_bytes += static_cast<int64_t>(bytes.size());
        if (to.shared()) {
          sql::Statement blob(dst, "INSERT INTO model_files (id, bytes) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING");
          blob.Bind(1, id).BindBlob(2, bytes);
          blob.Run();
        } else {
          WriteFileAtomically(to.models_dir() / (id + ".bin"), bytes);
        }
      }
    }
    result.rows[t.name] = copied;
    // Generated ids continue after the copied ones.
    if (t.identity && dst.backend() == sql::Backend::kPostgres && copied > 0) {
      dst.Exec(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT MAX(id) FROM {0}))", t.name));
    }
  }
  for (const Table& t : Tables()) {
    const int64_t source = Count(src, t.name), target = Count(dst, t.name);
    if (source != target) {
      throw InputError(fmt::format("{}: copied {} of the {} rows of {}; nothing was written (the source changed "
                                   "while it was copied? run the migration again when nothing writes to it)",
                                   dst.where(), target, source, t.name));
    }
  }
  tx.Commit();
  return result;
}

}  // namespace trainops
