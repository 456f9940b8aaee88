#!/usr/bin/env bash
# Sourced by every script that drives another project's build system (libcurl, libpq): that
# build must behave the same from a shell, from `make` and from CI. An outer make exports
# MAKEFLAGS/MAKELEVEL (jobserver fds, -n/-k/-s, variable overrides); a nested PostgreSQL build
# that inherits them skips generating its headers (utils/errcodes.h).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS MAKE_TERMOUT MAKE_TERMERR
