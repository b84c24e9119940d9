// The stylesheet every trainops HTML page inlines (eval report, monitor report), so the
// pages read as one product: same colours, cards, tables, flags and chart text. Inlined
// rather than linked because the pages are single files viewed offline.
#pragma once

namespace trainops {

const char* ReportStyle();

}  // namespace trainops
