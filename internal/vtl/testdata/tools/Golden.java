// Golden renders every template of a corpus with Apache Velocity, the
// engine API Gateway's mapping templates run on, so that package vtl's
// tests can compare its output byte for byte. It is not run by go test;
// gen.sh beside it runs it and writes the outputs into testdata.
//
// For each NAME.vm in the directory given it writes NAME.want, rendered by
// Velocity as configured out of the box, and NAME.aws.want, rendered with
// an InvalidReferenceEventHandler that turns every null reference into the
// empty string, as API Gateway's templates behave. A template that fails
// writes "ERROR <exception class>" instead. The context is context.json in
// the same directory: objects become LinkedHashMaps, arrays ArrayLists,
// integers Integers (Longs when larger), other numbers Doubles.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.InvalidReferenceEventHandler;
import org.apache.velocity.context.Context;
import org.apache.velocity.util.introspection.Info;

public class Golden {
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.init();
        String ctx = new String(Files.readAllBytes(dir.resolve("context.json")), StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.vm")) {
            for (Path p : ds) files.add(p);
        }
        Collections.sort(files);
        for (Path p : files) {
            String name = p.getFileName().toString();
            name = name.substring(0, name.length() - 3);
            String tpl = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
            Files.write(dir.resolve(name + ".want"), render(ve, tpl, ctx, false).getBytes(StandardCharsets.UTF_8));
            Files.write(dir.resolve(name + ".aws.want"), render(ve, tpl, ctx, true).getBytes(StandardCharsets.UTF_8));
        }
    }

    static String render(VelocityEngine ve, String tpl, String ctx, boolean aws) {
        VelocityContext c = new VelocityContext();
        Map<String, Object> vars = (Map<String, Object>) new Json(ctx).value();
        for (Map.Entry<String, Object> e : vars.entrySet()) c.put(e.getKey(), e.getValue());
        if (aws) {
            EventCartridge ec = new EventCartridge();
            ec.addEventHandler(new NullAsEmpty());
            ec.attachToContext(c);
        }
        StringWriter w = new StringWriter();
        try {
            ve.evaluate(c, w, "t", tpl);
            return w.toString();
        } catch (Throwable e) {
            return "ERROR " + e.getClass().getName() + "\n";
        }
    }

    // NullAsEmpty gives every reference that is null the empty string.
    static class NullAsEmpty implements InvalidReferenceEventHandler {
        public Object invalidGetMethod(Context c, String ref, Object o, String prop, Info i) { return ""; }
        public boolean invalidSetMethod(Context c, String l, String r, Info i) { return false; }
        public Object invalidMethod(Context c, String ref, Object o, String m, Info i) { return ""; }
    }

    // Json is a small JSON reader.
    static class Json {
        final String s; int i;
        Json(String s) { this.s = s; }
        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                i++; Map<String, Object> m = new LinkedHashMap<>(); ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws(); String k = (String) value(); ws(); i++; // :
                    m.put(k, value()); ws();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                i++; List<Object> l = new ArrayList<>(); ws();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value()); ws();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder(); i++;
                while (s.charAt(i) != '"') {
                    char d = s.charAt(i++);
                    if (d == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n': b.append('\n'); break;
                            case 't': b.append('\t'); break;
                            case 'r': b.append('\r'); break;
                            case 'b': b.append('\b'); break;
                            case 'f': b.append('\f'); break;
                            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                            default: b.append(e);
                        }
                    } else b.append(d);
                }
                i++;
                return b.toString();
            }
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int j = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String n = s.substring(j, i);
            if (n.contains(".") || n.contains("e") || n.contains("E")) return Double.valueOf(n);
            long l = Long.parseLong(n);
            if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return Integer.valueOf((int) l);
            return Long.valueOf(l);
        }
        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    }
}
