/**
 * Well-formedness rules for the optional per-row values. Microsoft documents no character set or
 * length for the group tag (it becomes the Entra device's `[OrderID]:<tag>` physical id, matched by
 * dynamic-group rules), so we pick a conservative, predictable one and say so in the rejection:
 * letters (any script), digits, space, `-`, `_` and `.`, 1–128 characters after trimming. Characters
 * outside it (quotes, brackets, `=`, `,`…) are the ones that break dynamic-rule strings, spreadsheets
 * or this CSV format. The UPN check is a simple shape check (local@domain.tld), not a directory
 * lookup: Intune only validates the domain, and a malformed UPN can leave a device unusable.
 */

export const GROUP_TAG_MAX = 128;
const GROUP_TAG = /^[\p{L}\p{Nd} ._-]+$/u;

export function groupTagProblem(tag: string): string | undefined {
  if (tag.length > GROUP_TAG_MAX) return `the group tag is ${tag.length} characters long; the limit is ${GROUP_TAG_MAX}`;
  if (!GROUP_TAG.test(tag)) {
    return 'the group tag may contain only letters, digits, spaces, hyphens (-), underscores (_) and dots (.)';
  }
  return undefined;
}

const UPN_LOCAL = /^[A-Za-z0-9'_!#^~+-]+(?:\.[A-Za-z0-9'_!#^~+-]+)*$/;
const DOMAIN_LABEL = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)$/;
const TLD = /^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/;

export function isWellFormedUpn(upn: string): boolean {
  if (upn.length > 256) return false;
  const at = upn.lastIndexOf('@');
  if (at <= 0 || upn.indexOf('@') !== at) return false;
  const local = upn.slice(0, at);
  const labels = upn.slice(at + 1).split('.');
  if (local.length > 64 || !UPN_LOCAL.test(local)) return false;
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return false;
  return TLD.test(labels[labels.length - 1] as string);
}
