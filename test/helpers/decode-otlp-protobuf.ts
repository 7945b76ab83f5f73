/**
 * A minimal protobuf reader for OTLP's ExportTraceServiceRequest
 * (opentelemetry/proto/collector/trace/v1), written from the .proto field
 * numbers so the test receiver decodes what the exporter really sent without
 * borrowing the exporter's own code. It returns the OTLP/JSON shape (ids in
 * hex), so both protocols are checked the same way. Fields the tests do not
 * read are skipped.
 */

type Fields = Map<number, Array<bigint | Uint8Array>>;

function readFields(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error("truncated varint");
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    let value: bigint | Uint8Array;
    if (wireType === 0) value = varint();
    else if (wireType === 1) {
      value = view.getBigUint64(at, true);
      at += 8;
    } else if (wireType === 2) {
      const length = Number(varint());
      value = bytes.subarray(at, at + length);
      at += length;
    } else if (wireType === 5) {
      value = BigInt(view.getUint32(at, true));
      at += 4;
    } else throw new Error(`unsupported wire type ${wireType}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (value: bigint | Uint8Array | undefined) =>
  value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
const hex = (value: bigint | Uint8Array | undefined) =>
  value instanceof Uint8Array ? Buffer.from(value).toString("hex") : undefined;
const messages = (fields: Fields, field: number) =>
  (fields.get(field) ?? [])
    .filter((value): value is Uint8Array => value instanceof Uint8Array)
    .map(readFields);
const first = (fields: Fields, field: number) => fields.get(field)?.[0];

function anyValue(fields: Fields): Record<string, unknown> {
  if (fields.has(1)) return { stringValue: text(first(fields, 1)) };
  if (fields.has(2)) return { boolValue: first(fields, 2) === 1n };
  if (fields.has(3)) return { intValue: BigInt.asIntN(64, first(fields, 3) as bigint).toString() };
  if (fields.has(4)) {
    const buffer = new DataView(new ArrayBuffer(8));
    buffer.setBigUint64(0, first(fields, 4) as bigint, true);
    return { doubleValue: buffer.getFloat64(0, true) };
  }
  if (fields.has(5)) {
    const array = messages(fields, 5)[0] ?? new Map();
    return { arrayValue: { values: messages(array, 1).map(anyValue) } };
  }
  return {};
}

function keyValues(fields: Fields, field: number) {
  return messages(fields, field).map((kv) => ({
    key: text(first(kv, 1)),
    value: anyValue(messages(kv, 2)[0] ?? new Map()),
  }));
}

/** ExportTraceServiceRequest bytes -> `{ resourceSpans: [...] }` as OTLP/JSON has it. */
export function decodeOtlpTraceRequest(bytes: Uint8Array): unknown {
  const request = readFields(bytes);
  return {
    resourceSpans: messages(request, 1).map((resourceSpans) => ({
      resource: { attributes: keyValues(messages(resourceSpans, 1)[0] ?? new Map(), 1) },
      scopeSpans: messages(resourceSpans, 2).map((scopeSpans) => ({
        spans: messages(scopeSpans, 2).map((span) => {
          const status = messages(span, 15)[0] ?? new Map();
          return {
            traceId: hex(first(span, 1)),
            spanId: hex(first(span, 2)),
            parentSpanId: hex(first(span, 4)) ?? "",
            name: text(first(span, 5)),
            kind: Number(first(span, 6) ?? 0n),
            attributes: keyValues(span, 9),
            events: messages(span, 11).map((event) => ({
              name: text(first(event, 2)),
              attributes: keyValues(event, 3),
            })),
            status: {
              ...(status.has(2) ? { message: text(first(status, 2)) } : {}),
              ...(status.has(3) ? { code: Number(first(status, 3)) } : {}),
            },
          };
        }),
      })),
    })),
  };
}
