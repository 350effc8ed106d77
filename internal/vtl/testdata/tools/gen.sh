#!/bin/sh
# gen.sh renders the corpus in ../velocity with Apache Velocity 1.7 (the
# Debian package "velocity": apt-get install velocity) and writes the
# golden outputs beside the templates. Run it from anywhere after changing
# the corpus; go test only reads its outputs.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cp="/usr/share/java/velocity-1.7.jar:/usr/share/java/commons-collections3.jar:/usr/share/java/commons-lang.jar"
out=$(mktemp -d)
javac -nowarn -d "$out" -cp "$cp" "$here/Golden.java" 2>/dev/null || javac -d "$out" -cp "$cp" "$here/Golden.java"
java -cp "$cp:$out" Golden "$here/../velocity"
java -cp "$cp:$out" Golden "$here/../velocity/rand"
rm -rf "$out"
