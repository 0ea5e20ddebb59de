package io.caracal.protocol.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Base64;
import java.util.List;

/**
 * Prints a protobuf message as Triton prints a model configuration: protobuf-JSON with the original
 * field names ({@code max_batch_size}), every field without presence printed even when it has its
 * default value (Triton's {@code always_print_primitive_fields}), and 64-bit integers as JSON
 * numbers rather than strings (tritonclient reads {@code config["max_batch_size"]} and {@code dims}
 * as integers). Message fields and oneof members are printed only when set. Stateless and
 * thread-safe.
 */
public final class ConfigJson {
  private ConfigJson() {}

  /** Returns the message as compact JSON. */
  public static String print(Message m) {
    StringBuilder sb = new StringBuilder(256);
    message(sb, m);
    return sb.toString();
  }

  private static void message(StringBuilder sb, Message m) {
    sb.append('{');
    boolean first = true;
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      boolean print;
      if (f.isRepeated()) {
        print = true;
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          || f.getRealContainingOneof() != null
          || f.hasPresence()) {
        print = m.hasField(f);
      } else {
        print = true;
      }
      if (!print) {
        continue;
      }
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, f.getName());
      sb.append(':');
      Object v = m.getField(f);
      if (f.isMapField()) {
        sb.append('{');
        boolean firstEntry = true;
        for (Object o : (List<?>) v) {
          Message entry = (Message) o;
          FieldDescriptor kf = entry.getDescriptorForType().findFieldByName("key");
          FieldDescriptor vf = entry.getDescriptorForType().findFieldByName("value");
          if (!firstEntry) {
            sb.append(',');
          }
          firstEntry = false;
          string(sb, String.valueOf(entry.getField(kf)));
          sb.append(':');
          value(sb, vf, entry.getField(vf));
        }
        sb.append('}');
      } else if (f.isRepeated()) {
        sb.append('[');
        List<?> list = (List<?>) v;
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          value(sb, f, list.get(i));
        }
        sb.append(']');
      } else {
        value(sb, f, v);
      }
    }
    sb.append('}');
  }

  private static void value(StringBuilder sb, FieldDescriptor f, Object v) {
    switch (f.getType()) {
      case MESSAGE, GROUP -> message(sb, (Message) v);
      case ENUM -> string(sb, ((EnumValueDescriptor) v).getName());
      case STRING -> string(sb, (String) v);
      case BYTES -> string(sb, Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case BOOL -> sb.append((boolean) (Boolean) v);
      case UINT32, FIXED32 -> sb.append(Integer.toUnsignedString((Integer) v));
      case UINT64, FIXED64 -> sb.append(Long.toUnsignedString((Long) v));
      case INT32, SINT32, SFIXED32, INT64, SINT64, SFIXED64 -> sb.append(v);
      case FLOAT -> real(sb, (Float) v, Float.toString((Float) v));
      case DOUBLE -> real(sb, (Double) v, Double.toString((Double) v));
    }
  }

  private static void real(StringBuilder sb, double d, String shortest) {
    if (Double.isNaN(d)) {
      sb.append("\"NaN\"");
    } else if (Double.isInfinite(d)) {
      sb.append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      sb.append((long) d);
    } else {
      sb.append(shortest);
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
