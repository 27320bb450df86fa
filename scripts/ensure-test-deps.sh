#!/usr/bin/env bash
# System packages the test suite uses, from Debian's archive:
#   chromium              headless rendering of the HTML report (no console errors, no requests)
#   poppler-utils         pdftoppm, to render every PDF page
#   fonts-droid-fallback  a CJK font reportlab can embed, so names like 日本 render in the PDF
#   openjdk-17-jre-headless  Java for the Spark tests (pyspark starts a JVM)
#   libmariadb-java       MariaDB Connector/J, the JDBC driver Spark reads MySQL/MariaDB raw tables
#                         with (`mca-report register-jdbc`, tests/spark/test_jdbc.py)
# Installs only what is missing. Needs root (as on the project's machines and CI).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]] || missing+=(fonts-droid-fallback)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
[[ -f /usr/share/java/mariadb-java-client.jar ]] || missing+=(libmariadb-java)

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "test system packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
