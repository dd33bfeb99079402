#!/usr/bin/env bash
# Proves a Java team can depend on person-wasm by its coordinates: installs it, checks what was
# installed, builds the README's example against it and runs it on the class path and the module path.
# Then follows the README's "Bind your own crate" as written: a new crate outside this repository,
# built to wasm32, bound on the installed runtime and called on every engine.
# One line per check; stops at the first failure. Run from anywhere: bash it/run.sh
# M2_REPO=/path/to/repository: the local Maven repository to install into and resolve from
# (default ~/.m2/repository), for every Maven run here.
set -euo pipefail

it=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$it")
target="$it/target"
m2="${M2_REPO:-$HOME/.m2/repository}"
installed="$m2/io/github/rustjava/person-wasm/0.1.0-SNAPSHOT"
jar="$installed/person-wasm-0.1.0-SNAPSHOT.jar"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
  shift
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@" | sed 's/^/     /'; fi
  echo "$passed passed, $failed failed"
  exit 1
}
# Runs a Maven build; its output is shown only when it fails, so a passing run stays one line a check.
maven() {
  local log="$target/maven.log" rc=0
  mvn -B -q -Dmaven.repo.local="$m2" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then cat "$log"; fi
  return "$rc"
}
jar_entries() { jar tf "$1" | sort; }

# Reads <field> of the first <dependency> in pom $1 whose text contains $2; empty if there is none.
# Cutting the file at each <dependency> and </dependency> leaves each dependency on a line of its own,
# with no space between its elements.
dep_field() {
  tr -d '\r\n' <"$1" | sed 's#>[[:space:]]*<#><#g; s#</*dependency>#\n#g' | grep -F "$2" \
    | sed -n "s#.*<$3>\([^<]*\)</$3>.*#\1#p" | awk 'NR == 1' || true
}
pom_property() { tr -d '\r\n' <"$1" | sed -n "s#.*<$2>\([^<]*\)</$2>.*#\1#p"; }

rm -rf "$target"
mkdir -p "$target"

# a. The parent too: the library's installed pom inherits from it.
maven -f "$root/pom.xml" install -DskipTests -pl library -am \
  || fail "install the parent and the library (mvn install -pl library -am)"
ok "installed io.github.rustjava:person-wasm:0.1.0-SNAPSHOT and its parent"

# b. The installed artifacts.
[ -f "$jar" ] || fail "library jar installed" "missing: $jar"
entries=$(jar_entries "$jar")
# The directories above the package (io/, io/github/, io/github/rustjava/) are entries of their own.
foreign=$(grep -Ev '^(io/|io/github/|io/github/rustjava/|io/github/rustjava/person/.*|META-INF/.*|module-info\.class)$' \
  <<<"$entries" || true)
[ -z "$foreign" ] || fail "library jar holds only io/github/rustjava/person/, META-INF/ and module-info.class" "$foreign"
ok "library jar holds only io/github/rustjava/person/, META-INF/ and module-info.class"
for entry in module-info.class io/github/rustjava/person/person.wasm META-INF/LICENSE; do
  grep -qx "$entry" <<<"$entries" || fail "library jar contains $entry"
done
ok "library jar contains module-info.class, io/github/rustjava/person/person.wasm and META-INF/LICENSE"

sources="${jar%.jar}-sources.jar"
javadoc="${jar%.jar}-javadoc.jar"
[ -f "$sources" ] && grep -q 'io/github/rustjava/person/PersonApi\.java$' <(jar_entries "$sources") \
  || fail "sources jar installed beside the jar, with PersonApi.java" "$sources"
ok "sources jar installed beside the jar"
[ -f "$javadoc" ] || fail "javadoc jar installed beside the jar" "missing: $javadoc"
docs=$(jar_entries "$javadoc")
grep -q '\(^\|/\)io/github/rustjava/person/package-summary\.html$' <<<"$docs" \
  || fail "javadoc documents io.github.rustjava.person" "no package-summary.html for it in $javadoc"
# The internal package is not exported: documenting it would publish what users must not use.
internal=$(grep 'io/github/rustjava/person/internal/' <<<"$docs" || true)
[ -z "$internal" ] || fail "javadoc does not document io.github.rustjava.person.internal" "$internal"
ok "javadoc jar documents io.github.rustjava.person and not io.github.rustjava.person.internal"

# The library is a binding on the runtime: its pom depends on the runtime's artifact, and the
# runtime's jar holds nothing of Person.
runtime_jar="$m2/io/github/rustjava/rustjava-runtime/0.1.0-SNAPSHOT/rustjava-runtime-0.1.0-SNAPSHOT.jar"
[ "$(dep_field "$installed/person-wasm-0.1.0-SNAPSHOT.pom" '<artifactId>rustjava-runtime</artifactId>' groupId)" = io.github.rustjava ] \
  || fail "the installed person-wasm pom depends on io.github.rustjava:rustjava-runtime"
ok "the installed person-wasm pom depends on io.github.rustjava:rustjava-runtime"
[ -f "$runtime_jar" ] || fail "runtime jar installed" "missing: $runtime_jar"
person=$(jar_entries "$runtime_jar" | grep -Ei 'person' || true)
[ -z "$person" ] || fail "the runtime jar has no Person class or resource" "$person"
ok "the runtime jar has no Person class or resource"

# c. The README's example, as the README has it, built against the installed library.
readme_source="$target/generated-sources/readme/example/Example.java"
mkdir -p "$(dirname "$readme_source")"
marker='<!-- The consumer test in it/ compiles and runs this block as Example.java: keep it a whole file. -->'
example=$(awk -v marker="$marker" '
  $0 == marker { seen = 1; next }
  seen && !inside && /^```java[[:space:]]*$/ { inside = 1; next }
  inside && /^```/ { exit }
  inside { print }' "$root/README.md")
grep -q 'public class Example' <<<"$example" \
  || fail "README.md has the marked \`\`\`java block with class Example" "marker: $marker"
# A named module cannot hold the unnamed package, so the example gets one; nothing else changes.
printf 'package example;\n\n%s\n' "$example" >"$readme_source"
ok "extracted the README's example"

maven -f "$it/pom.xml" package \
  dependency:tree -DoutputFile="$target/dependency-tree.txt" \
  dependency:build-classpath -Dmdep.outputFile="$target/classpath.txt" -Dmdep.includeScope=runtime \
  || fail "the README's example compiles against the installed library (consumer build)"
ok "the README's example compiles against the installed library"

# d. The runtime arrives with the library as an ordinary dependency; its group may change (Chicory
#    became Endive), so it is read from the poms rather than written here.
group=$(dep_field "$root/library/pom.xml" '<artifactId>runtime</artifactId>' groupId)
version=$(dep_field "$root/library/pom.xml" '<artifactId>runtime</artifactId>' version)
[ -n "$version" ] \
  || version=$(dep_field "$root/pom.xml" "<groupId>$group</groupId><artifactId>runtime</artifactId>" version)
if [[ "$version" =~ ^\$\{(.+)\}$ ]]; then version=$(pom_property "$root/pom.xml" "${BASH_REMATCH[1]}"); fi
[ -n "$group" ] && [ -n "$version" ] \
  || fail "the Wasm runtime's coordinates read from library/pom.xml and pom.xml" "group '$group', version '$version'"
tree=$(cat "$target/dependency-tree.txt")
# Indented under the library, not at the top level: it comes transitively.
grep -Eq "^ +[|\\\\+-]+ ${group//./\\.}:runtime:jar:${version//./\\.}:compile$" <<<"$tree" \
  || fail "consumer gets $group:runtime:jar:$version:compile transitively" "$tree"
ok "consumer gets $group:runtime:jar:$version:compile transitively"
# The runtime compiler is optional in the library: a user who does not ask for it must not get it.
! grep -q "$group:compiler:" <<<"$tree" || fail "consumer does not get the optional $group:compiler" "$tree"
ok "consumer does not get the optional $group:compiler"

# e. The example's output, on both paths a user may put the library on. The expected text is
#    UTF-8, so stdout is UTF-8 whatever this machine's locale.
expected=$'Alice, 31\n-1, 这是一个错误'
readme_says=$(grep 'System\.out\.println' "$readme_source" | sed -n 's#.*// *##p')
[ "$readme_says" = "$expected" ] \
  || fail "the README's comments state the output checked here" "README: $readme_says" "here:   $expected"
deps=$(cat "$target/classpath.txt")
run_example() {
  local how=$1 out rc=0
  shift
  out=$(java -Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8 "$@" 2>"$target/stderr.txt") || rc=$?
  [ "$rc" -eq 0 ] && [ "$out" = "$expected" ] \
    || fail "the README's example prints its two lines $how" "exit $rc" "stdout: $out" \
      "stderr: $(cat "$target/stderr.txt")"
  ok "the README's example prints its two lines $how"
}
run_example "on the class path" -cp "$target/classes:$deps" example.Example
run_example "on the module path" -p "$target/classes:$deps" -m example/example.Example

# f. Engine.RUNTIME_COMPILER without the optional compiler, which a consumer does not get unless
#    they add it: refused the same way on every attempt, naming the dependency to add.
refusal="java.lang.IllegalStateException: Engine.RUNTIME_COMPILER needs the runtime's compiler: add the dependency \
com.dylibso.chicory:compiler (on the module path, also --add-modules com.dylibso.chicory.compiler)"
missing_compiler() {
  local how=$1 out rc=0
  shift
  out=$(java "$@" 2>"$target/stderr.txt") || rc=$?
  [ "$rc" -eq 0 ] && [ "$out" = "$refusal"$'\n'"$refusal" ] \
    || fail "Engine.RUNTIME_COMPILER without the compiler is refused with the same IllegalStateException twice $how" \
      "exit $rc" "stdout: $out" "stderr: $(cat "$target/stderr.txt")"
  ok "Engine.RUNTIME_COMPILER without the compiler is refused with the same IllegalStateException twice $how"
}
missing_compiler "on the class path" -cp "$target/classes:$deps" example.MissingCompiler
missing_compiler "on the module path" -p "$target/classes:$deps" -m example/example.MissingCompiler

# f. The README's "Bind your own crate", step by step as the README has it. Each block after a
#    marker is a step: "run" blocks run in one shell, in order (a cd carries over); "run in the
#    toolkit" runs in this repository; "file PATH" writes the block to PATH; the "output" block is
#    what the last "run, and print" block must print. The crate is made outside this repository:
#    inside it, cargo would take it for a member of this workspace.
read -r guide_rustc guide_cargo <<<"$(make -s -C "$root" print-toolchain)" || true
[ -n "${guide_cargo:-}" ] || fail "a rustc with the wasm32 std for the guide (make -C $root print-toolchain)"
guide_dir=$(mktemp -d)
trap 'rm -rf "$guide_dir"' EXIT
guide_script="$target/guide.sh"
guide_expected="$target/guide-expected.txt"
{
  printf 'set -euo pipefail\n'
  printf 'export TOOLKIT=%q\n' "$root"
  # The toolchain the repository's builds use, and its local Maven repository.
  printf 'cargo() { RUSTC=%q command %q "$@"; }\n' "$guide_rustc" "$guide_cargo"
  printf 'mvn() { command mvn -Dmaven.repo.local=%q "$@"; }\n' "$m2"
  printf 'cd %q\n' "$guide_dir"
  awk -v expected="$guide_expected" '
    /^<!-- bind-your-own-crate: .* -->$/ { step = $0; sub(/^<!-- bind-your-own-crate: /, "", step); sub(/ -->$/, "", step); next }
    step != "" && !inside && /^```/ {
      inside = 1; n++
      if (step == "run") print "# step " n
      else if (step == "run in the toolkit") print "(cd \"$TOOLKIT\""
      else if (step == "run, and print") print "{"
      else if (step ~ /^file /) { path = substr(step, 6); print "mkdir -p \"$(dirname \"" guidedir "/" path "\")\""; print "cat >\"" guidedir "/" path "\" <<'"'"'GUIDE_EOF'"'"'" }
      else if (step == "output") printf "" >expected
      else { print "unknown guide step: " step > "/dev/stderr"; exit 1 }
      next
    }
    inside && /^```/ {
      if (step == "run in the toolkit") print ")"
      else if (step == "run, and print") print "} >\"$GUIDE_OUTPUT\""
      else if (step ~ /^file /) print "GUIDE_EOF"
      inside = 0; step = ""; next
    }
    inside && step == "output" { print >>expected; next }
    inside { print }
  ' guidedir="$guide_dir" "$root/README.md"
} >"$guide_script" || fail "README.md's guide to binding your own crate has only known steps"
[ -s "$guide_expected" ] && grep -q 'cargo new' "$guide_script" \
  || fail "README.md has the guide's marked steps and its expected output"
ok "extracted the README's guide to binding your own crate ($(grep -c '^<!-- bind-your-own-crate' "$root/README.md") steps)"

guide_log="$target/guide.log"
GUIDE_OUTPUT="$target/guide-output.txt" bash "$guide_script" >"$guide_log" 2>&1 \
  || fail "the guide's steps run as written: a new crate, built to wasm32, bound and called" "$(tail -30 "$guide_log")"
ok "the guide's steps run as written: a new crate, built to wasm32 and bound on the installed runtime"
# Maven's colour codes and blank lines are not the program's output.
sed 's/\x1b\[[0-9;]*m//g; /^$/d' "$target/guide-output.txt" >"$target/guide-printed.txt"
diff -u "$guide_expected" "$target/guide-printed.txt" >"$target/guide-diff.txt" \
  || fail "the guide's binding prints what the README says on every engine" "$(cat "$target/guide-diff.txt")"
ok "the guide's binding prints what the README says, on every engine"

echo "$passed passed, $failed failed"
