# Stand-in for litellm/litellm (tests/docker/base-images.sh builds it when Docker Hub is out of
# reach): the pinned proxy from PyPI in a venv on Debian bookworm's Python 3.11. Entrypoint
# `litellm`, like the official image, so `--config /app/config.yaml --port 4000` works as the
# command. The build context holds `pip.conf` (this machine's index settings, the CA bundle) and
# `requirements.txt` (tests/e2e/litellm-requirements.txt: the proxy the e2e suite runs).
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY pip.conf /etc/pip.conf
COPY requirements.txt /tmp/litellm-requirements.txt
RUN python3 -m venv /opt/litellm \
 && /opt/litellm/bin/pip install -q --no-cache-dir --disable-pip-version-check -r /tmp/litellm-requirements.txt \
 && LITELLM_LOCAL_MODEL_COST_MAP=True /opt/litellm/bin/litellm --version
ENV PATH=/opt/litellm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
EXPOSE 4000
ENTRYPOINT ["litellm"]
CMD ["--port", "4000"]
