# The Kampanya image: the pricing core, the gateway and the CLI, with the engine compiled by mypyc.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY domain domain
COPY gateway gateway
COPY pricing_core pricing_core
COPY kampanya kampanya
RUN KAMPANYA_COMPILE=1 pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER nobody
ENV KAMPANYA_ENV=production
EXPOSE 50051 9464 8000
ENTRYPOINT ["kampanya"]
CMD ["pricing", "--host", "0.0.0.0"]
