#!/bin/sh
# Builds SpecLab's installable forms with jpackage:
#   packaging/build.sh          app-image in target/jpackage/speclab (runs on this OS, no JDK needed)
#   packaging/build.sh deb      also a .deb (Debian/Ubuntu; needs fakeroot and dpkg-deb)
#   packaging/build.sh rpm      also an .rpm (needs rpmbuild)
# Windows (.msi/.exe, needs WiX 3) and macOS (.dmg) are built the same way on those systems:
#   jpackage --type msi|exe|dmg --app-image target/jpackage/speclab --name speclab --app-version VERSION
# (not buildable here: jpackage only packages for the OS it runs on).
set -e
cd "$(dirname "$0")/.."
. ./bench/java-env.sh
if [ ! -f target/speclab.jar ] || [ -n "$(find src/main pom.xml -newer target/speclab.jar 2>/dev/null | head -n 1)" ]; then
    mvn -q -B -Dstyle.color=never package -DskipTests
fi
version=$(sed -n 's/^version=//p' target/classes/org/speclab/version.properties | sed 's/-.*//')
out=target/jpackage
rm -rf "$out"
mkdir -p "$out/input" "$out/fx"
cp target/speclab.jar "$out/input/"
for f in target/lib/*.jar; do
    case "$(basename "$f")" in
        javafx-*-[0-9]*-*.jar) cp "$f" "$out/fx/" ;;
        javafx-*) ;;
        *) cp "$f" "$out/input/" ;;
    esac
done
"$JAVA_HOME/bin/jpackage" --type app-image --dest "$out" --name speclab --app-version "$version" \
    --description "SpecLab: a lab for speculative decoding of Llama-family models" --vendor "SpecLab" \
    --input "$out/input" --main-jar speclab.jar --main-class org.speclab.Main \
    --module-path "$out/fx" \
    --add-modules java.base,java.desktop,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.unsupported,jdk.zipfs,javafx.controls,javafx.fxml,javafx.swing \
    --java-options "--add-modules=jdk.incubator.vector" \
    --java-options "--enable-native-access=ALL-UNNAMED,javafx.graphics" \
    --java-options "--sun-misc-unsafe-memory-access=allow" --java-options "-Xss8m" \
    --java-options "-XX:CompileCommand=quiet" --java-options "-XX:CompileCommand=dontinline,*F16::dot" \
    --jlink-options "--strip-debug --no-header-files --no-man-pages --compress=zip-9" \
    --icon assets/speclab.png
echo "app-image: $out/speclab ($(du -sh "$out/speclab" | cut -f1))"
case "${1:-}" in
    deb|rpm)
        "$JAVA_HOME/bin/jpackage" --type "$1" --dest "$out" --app-image "$out/speclab" --name speclab --app-version "$version" \
            --description "SpecLab: a lab for speculative decoding of Llama-family models" --vendor "SpecLab" \
            --about-url "https://github.com/speclab" \
            --linux-package-name speclab --linux-shortcut --linux-menu-group "Development;Science" --linux-app-category science \
            --linux-package-deps "libgtk-3-0 | libgtk-3-0t64, libgl1, libxtst6, libxxf86vm1" \
            --file-associations packaging/gguf.properties --resource-dir packaging/linux
        ls -la "$out"/*."$1"
        ;;
esac
