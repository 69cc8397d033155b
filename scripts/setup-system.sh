#!/usr/bin/env bash
# Debian packages the project needs, installed only when missing:
#   Java 17 (Neo4j 5.26 runs on Java 17 or 21 only), Maven (fetches the Neo4j jars),
#   Python 3.11 with venv, Chromium (the workbench's browser tests drive it headless; no
#   browser is ever downloaded by Playwright) and the Noto CJK fonts (Chinese text in the
#   pages and in the SVG charts the server draws, with no web font fetched from outside);
#   Pango and HarfBuzz for WeasyPrint (evidence reports as PDF; bookworm's Pango 1.50 is
#   what weasyprint 66-70 asks for) and poppler-utils (pdftotext and pdftoppm: the report
#   tests read the PDF's text and look at its pages).
set -euo pipefail

need=()
java_ok=false
for java in "${LIANJIAN_JAVA_HOME:-/nonexistent}/bin/java" /usr/lib/jvm/*17*/bin/java /usr/lib/jvm/*21*/bin/java; do
  if [ -x "$java" ] && "$java" -version 2>&1 | grep -qE 'version "(17|21)'; then java_ok=true; break; fi
done
$java_ok || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v python3.11 >/dev/null || need+=(python3.11 python3.11-venv)
installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }
installed chromium || need+=(chromium)
installed fonts-noto-cjk || need+=(fonts-noto-cjk)
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils; do
  installed "$package" || need+=("$package")
done

if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing Debian packages: ${need[*]}"
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
