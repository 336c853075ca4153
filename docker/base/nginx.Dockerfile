# Offline stand-in for the nginx image: Debian bookworm's nginx-light on the debootstrap base.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
           /etc/nginx/sites-enabled/default /var/www/html
ENV LANG=C.UTF-8
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
