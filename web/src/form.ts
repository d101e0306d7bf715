// The appeal form (schema v2) as the page collects it, and the checks the protocol crate
// makes on those fields, reported with the same Fluent sentences (problem-*), by field.
// The JSON it produces is exactly what `AppealForm::from_json` accepts: unknown fields are
// never written, empty optional fields are left out.

export const EVENTS = [
  "rally-2018-05-10",
  "rally-2018-06-23",
  "preventive-2018-07-06",
  "ep-delegation-2018-09",
  "blue-balloons",
  "explanatory-note",
  "social-media-prosecution",
  "other",
];

export const SHORT_TEXT = 200;
export const LONG_TEXT = 20000;

export interface IncidentInput {
  event: string;
  date: string;
  city: string;
  place: string;
  description: string;
}

export interface FormInput {
  language: "kk" | "ru" | "en";
  surname: string;
  given_name: string;
  patronymic: string;
  age: string;
  city: string;
  occupation: string;
  incidents: IncidentInput[];
  consent: { publish_name: boolean; publish_age: boolean; publish_city: boolean; publish_occupation: boolean };
}

export interface Problem {
  field: string; // the element id the problem points at
  key: string; // a problem-* message
  args?: Record<string, string | number>;
}

const clean = (s: string) => s.normalize("NFC").trim();

function printableLen(s: string): number {
  return [...s].length;
}

function hasControl(s: string, allowNewlines: boolean): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (allowNewlines && (c === 10 || c === 9)) continue;
    if (c < 32 || (c >= 127 && c < 160)) return true;
  }
  return false;
}

function text(p: Problem[], field: string, s: string, max: number, required: boolean, multiline = false) {
  if (required && s === "") p.push({ field, key: "problem-empty" });
  else if (printableLen(s) > max || hasControl(s, multiline)) p.push({ field, key: "problem-text", args: { max } });
}

export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && y >= 1900;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Every problem at once, as the protocol crate names them. */
export function check(f: FormInput): Problem[] {
  const p: Problem[] = [];
  text(p, "surname", clean(f.surname), SHORT_TEXT, true);
  text(p, "given_name", clean(f.given_name), SHORT_TEXT, true);
  text(p, "patronymic", clean(f.patronymic), SHORT_TEXT, false);
  text(p, "city", clean(f.city), SHORT_TEXT, false);
  text(p, "occupation", clean(f.occupation), SHORT_TEXT, false);
  const age = f.age.trim();
  if (age !== "" && (!/^\d{1,3}$/.test(age) || Number(age) < 10 || Number(age) > 120))
    p.push({ field: "age", key: "problem-age", args: { min: 10, max: 120 } });
  f.incidents.forEach((inc, i) => {
    const at = (name: string) => `incidents-${i}-${name}`;
    if (!EVENTS.includes(inc.event)) p.push({ field: at("event"), key: "problem-unknown-event", args: { events: EVENTS.join(", ") } });
    const date = inc.date.trim();
    if (!isRealDate(date)) p.push({ field: at("date"), key: "problem-bad-date" });
    else if (date > today()) p.push({ field: at("date"), key: "problem-future-date" });
    text(p, at("city"), clean(inc.city), SHORT_TEXT, false);
    text(p, at("place"), clean(inc.place), SHORT_TEXT, false);
    const d = clean(inc.description);
    text(p, at("description"), d, LONG_TEXT, false, true);
    if (inc.event === "other" && d === "") p.push({ field: at("description"), key: "problem-other-needs-text" });
  });
  return p;
}

/** The form as JSON, version 2, only the fields that were filled in. */
export function toJson(f: FormInput): string {
  const opt = (o: Record<string, unknown>, k: string, v: string) => {
    const c = clean(v);
    if (c !== "") o[k] = c;
  };
  const identity: Record<string, unknown> = { surname: clean(f.surname), given_name: clean(f.given_name) };
  opt(identity, "patronymic", f.patronymic);
  if (f.age.trim() !== "") identity.age = Number(f.age.trim());
  opt(identity, "city", f.city);
  opt(identity, "occupation", f.occupation);
  const incidents = f.incidents.map((inc) => {
    const o: Record<string, unknown> = { event: inc.event, date: inc.date.trim() };
    opt(o, "city", inc.city);
    opt(o, "place", inc.place);
    o.description = clean(inc.description);
    return o;
  });
  return JSON.stringify({ version: 2, language: f.language, identity, incidents, consent: f.consent }, null, 2);
}
