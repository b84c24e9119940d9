// Error kinds that cross the library boundary live in the public header
// (include/trainops/error.h); the CLI translates them into exit codes once, at the edge.
#pragma once

#include <trainops/error.h>
