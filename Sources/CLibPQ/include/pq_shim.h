#ifndef LABRUN_PQ_SHIM_H
#define LABRUN_PQ_SHIM_H
/// libpq's client API (Debian's libpq-dev installs it under /usr/include/postgresql).
#include <postgresql/libpq-fe.h>
#endif
