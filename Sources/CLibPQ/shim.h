#ifndef LABRUN_PQ_SHIM_H
#define LABRUN_PQ_SHIM_H
/// libpq's client API. pkg-config finds its headers: /usr/include/postgresql on Debian, the keg of
/// Homebrew's libpq on macOS (PKG_CONFIG_PATH="$(brew --prefix libpq)/lib/pkgconfig").
#include <libpq-fe.h>
#endif
