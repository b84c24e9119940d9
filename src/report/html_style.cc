#include "report/html_style.h"

namespace trainops {

const char* ReportStyle() {
  return R"CSS(
:root{--fg:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--accent:#2f6fdb;--bad:#c8453b;--ok:#2e8b57;--warn:#c98a16}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px;font-weight:600}
header .sub{color:#b9c1d0;font-size:12px;margin-top:4px;word-break:break-all}
main{max-width:1200px;margin:0 auto;padding:18px 24px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{flex:1 1 150px;border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fbfcfd}
.card .v{font-size:24px;font-weight:600}.card .k{color:var(--muted);font-size:12px}.card .ci{color:var(--muted);font-size:11px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:var(--muted);font-size:12px}.flag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;background:#eee;color:#555;margin-left:4px}
.flag.bad{background:#fbe3e1;color:var(--bad)}.flag.ok{background:#e2f3e9;color:var(--ok)}
.scroll{overflow:auto;max-height:720px}svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.cat{border-top:1px solid var(--line);padding:8px 0}.cat .t{font-weight:600;cursor:pointer}.text{max-width:560px;word-break:break-word}
)CSS";
}

}  // namespace trainops
