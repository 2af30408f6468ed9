# lb as the load-balancer container: ports 80, 443 and 1936, like the HAProxy images it replaces.
#
#   docker build -t lb .
#   docker run -d -p 80:80 -p 1936:1936 -v $PWD/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro lb
#
# See README.md, "Running in a container", for the etcd and Consul modes.

# ---- build: the shaded jar, tests left to CI (bin/test) ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl lb-server -am package

# ---- runtime: a JRE, the jar and the three scripts ----
FROM eclipse-temurin:17-jre
COPY --from=build /src/lb-server/target/lb.jar /opt/lb/lb.jar
COPY bin/lb bin/restart-haproxy bin/docker-entrypoint /opt/lb/bin/
RUN ln -s /opt/lb/bin/lb /opt/lb/bin/restart-haproxy /opt/lb/bin/docker-entrypoint /usr/local/bin/ \
    && mkdir -p /run/lb /etc/haproxy
# bin/lb runs this jar instead of building one.
ENV LB_JAR=/opt/lb/lb.jar
EXPOSE 80 443 1936
# The JVM is PID 1 (the entrypoint execs it) and handles SIGTERM (drain, exit 0), SIGHUP
# (reload) and SIGUSR1 (soft stop) itself.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s CMD ["docker-entrypoint", "healthcheck"]
ENTRYPOINT ["docker-entrypoint"]
