#!/usr/bin/env bash
# Independent readers of duban's documents: python-docx/openpyxl read the tables, counts and
# 公文 elements back (tests/py/check_report.py: 发文机关, 成文日期, 附注, 版记, the bulletin's
# unit lists adding up to its stated total, the 督办单/催办单's 文号 and form) and LibreOffice
# converts every document — report, bulletin, 督办单, 催办单 and the ledger workbook — to PDF.
#
# Renders, through the example binary (examples/render.rs):
#   1. a generated 131-task ledger, split by the office's verdicts and by the machine's;
#   2. the sample report ../shared/seed/000_ecbc4a422a46c8e6.txt when present: 附件1 must hold
#      11 rows and 附件2 115.
# Needs python3 with python-docx and openpyxl, and soffice (libreoffice-writer-nogui).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
out="${DUBAN_DOCS_CHECK_DIR:-$root/target/docs-check}"
rm -rf "$out"
mkdir -p "$out"

for tool in python3 soffice; do
  command -v "$tool" >/dev/null || { echo "check-independent: $tool is not installed" >&2; exit 1; }
done
python3 -c 'import docx, openpyxl' || { echo "check-independent: python-docx/openpyxl missing" >&2; exit 1; }

cargo build -q -p duban-docs --example render
render="${CARGO_TARGET_DIR:-$root/target}/debug/examples/render"

run_case() { # name, extra render args..., then -- and checker args
  local name="$1"; shift
  local render_args=() check_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do render_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  check_args=("$@")
  local dir="$out/$name"
  echo "== $name"
  "$render" "$dir" "${render_args[@]}"
  python3 "$here/py/check_report.py" "$dir/report.docx" --xlsx "$dir/ledger.xlsx" \
    --counts "$dir/counts.json" --bulletin "$dir/bulletin.docx" \
    --notice "$dir/notice.docx" --notice "$dir/reminder.docx" \
    --office "重庆市沙坪坝区人民政府督查办" "${check_args[@]}"
  # A private profile: a CI user's LibreOffice settings must not leak in.
  for file in report.docx bulletin.docx notice.docx reminder.docx ledger.xlsx; do
    doc="${file%.*}"
    if ! timeout 300 soffice -env:UserInstallation="file://$out/lo-profile" --headless \
        --convert-to pdf --outdir "$dir" "$dir/$file" >"$dir/soffice-$doc.log" 2>&1; then
      cat "$dir/soffice-$doc.log" >&2
      echo "check-independent: LibreOffice failed on $dir/$file" >&2
      exit 1
    fi
    [ -s "$dir/$doc.pdf" ] || { echo "check-independent: no PDF of $doc for $name" >&2; exit 1; }
    if command -v pdftotext >/dev/null; then
      # The PDF holds the text, not just pages: a heading and the 版记 made it through.
      case "$doc" in
        report) want="项重点工作任务" ;;
        bulletin) want="各单位报送情况" ;;
        notice) want="督办单" ;;
        reminder) want="催办单" ;;
        ledger) want="台账" ;;
      esac
      text=$(pdftotext "$dir/$doc.pdf" - | tr -d ' \n')
      if [ "$doc" != ledger ]; then
        case "$text" in
          *"印发"*) ;;
          *) echo "check-independent: $doc.pdf of $name lacks its 版记" >&2; exit 1 ;;
        esac
      fi
      case "$text" in
        *"$want"*) ;;
        *) echo "check-independent: $doc.pdf of $name lacks '$want'" >&2; exit 1 ;;
      esac
      if [ "$doc" = bulletin ]; then
        # Page 1 is filled: after the summary come the heading and the ranking table's first
        # rows, not a gap left by a chart too tall to fit under the summary.
        page1=$(pdftotext -f 1 -l 1 "$dir/$doc.pdf" - | tr -d ' \n')
        for p1 in "二、各单位报送情况" "排名" "按时率"; do
          case "$page1" in
            *"$p1"*) ;;
            *) echo "check-independent: page 1 of $doc.pdf of $name lacks '$p1'" >&2; exit 1 ;;
          esac
        done
      fi
    fi
  done
  if command -v pdfinfo >/dev/null; then
    for doc in report bulletin notice reminder ledger; do
      echo "   $doc: $(pdfinfo "$dir/$doc.pdf" | grep -E '^Pages' | tr -s ' ')"
    done
  fi
}

run_case generated-office -- --office-verdicts
run_case generated-machine --machine --
seed="$root/../shared/seed/000_ecbc4a422a46c8e6.txt"
if [ -f "$seed" ]; then
  run_case seed "$seed" -- --expect-unmet 11 --expect-met 115 --office-verdicts
else
  echo "note: $seed missing; seed case skipped"
fi
echo "check-independent: all documents read back and converted"
