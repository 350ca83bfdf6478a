# Sourced by bench scripts: JAVA_HOME to a JDK 25 (as ./speclab finds it).
for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-*; do
    if [ -n "$d" ] && [ -x "$d/bin/javac" ] && "$d/bin/java" -version 2>&1 | grep -q '"2[5-9]'; then JAVA_HOME=$d; break; fi
done
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
