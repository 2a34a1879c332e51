// The translation unit of libsluice.so itself; every sl_* symbol comes from sluice_core, pulled in
// whole. Keeping a source here lets CMake name the shared library without listing the core again.
#include "sluice/sluice.h"
