# Stand-in for the official postgres image (tests/docker/base-images.sh builds it when Docker Hub
# is out of reach): Debian's PostgreSQL with the official image's interface as the compose stack
# uses it: POSTGRES_PASSWORD (and POSTGRES_USER), data initialised in $PGDATA on the first start,
# pg_isready on PATH, port 5432 on every interface.
ARG BASE
FROM ${BASE}
ARG PG_MAJOR
# Like the official image: no cluster made at install time; the entrypoint makes one in $PGDATA.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null \
 && sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 700 /var/lib/postgresql/data
ENV PG_MAJOR=${PG_MAJOR} PGDATA=/var/lib/postgresql/data \
    PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
USER postgres
# Fast shutdown, as in the official image.
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
