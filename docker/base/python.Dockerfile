# Offline stand-in for python:3.11-slim: Debian bookworm's python3 (3.11) on the debootstrap base.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
ENV LANG=C.UTF-8
CMD ["python3"]
