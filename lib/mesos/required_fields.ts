/**
 * The proto2 required-field check of a plain message, with the path of each missing field
 * (`subscribe.framework_info.user`), as Mesos reports it.
 *
 * @module
 */
import protobuf from "protobufjs";
import { NotInitializedError } from "./codec_errors.ts";
import type { Plain } from "./plain.ts";
import { messageType } from "./schema.ts";

/** Lists the paths of required fields missing from `value` (recursively). */
export function missingRequiredFields(typeName: string, value: Plain): string[] {
  const missing: string[] = [];
  walkRequired(messageType(typeName), value, "", missing);
  return missing;
}

/**
 * Throws when `value` lacks required fields of `typeName`.
 *
 * @throws {NotInitializedError} listing every missing field.
 */
export function assertInitialized(typeName: string, value: Plain): void {
  const missing = missingRequiredFields(typeName, value);
  if (missing.length > 0) throw new NotInitializedError(missing);
}

function walkRequired(type: protobuf.Type, value: Plain, prefix: string, out: string[]) {
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    const path = prefix + field.name;
    if (v === undefined || v === null) {
      if (field.required) out.push(path);
      continue;
    }
    if (!(field.resolvedType instanceof protobuf.Type)) continue;
    if (field.repeated) {
      (v as Plain[]).forEach((item, i) =>
        walkRequired(field.resolvedType as protobuf.Type, item, `${path}[${i}].`, out)
      );
    } else walkRequired(field.resolvedType, v, path + ".", out);
  }
}
