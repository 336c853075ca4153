# Offline stand-in for postgres:16: Debian bookworm's PostgreSQL 15 on the debootstrap base.
# The postgres user gets uid/gid 999 (as in the official image) before the package creates one,
# and the package is told not to create a "main" cluster: the entrypoint makes the data directory.
ARG BASE
FROM ${BASE}
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && mkdir -p /etc/postgresql-common \
 && printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
ENV LANG=C.UTF-8 PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["postgres"]
