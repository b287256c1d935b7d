// Functions whose value depends on the session rather than on their arguments: version(),
// current_database(), current_schema(), current_user / session_user. The engine is
// synchronous, so the session that is executing sets `activeSessionInfo` around each
// statement (Session.executeStatement) and these read it. They are volatile so that a
// materialized view (shared by all sessions) cannot capture one session's value.

import { T, fn } from './core.js';

export const TRIBUTARY_VERSION = '0.1.0';
export const PG_VERSION = '15.0';

export interface SessionInfo {
  /** Authenticated user (startup packet's `user`); 'tributary' for embedded sessions. */
  user: string;
  /** Database name from the startup packet (there is one database; any name is accepted). */
  database: string;
  /** The session's settings (pg_settings shows them); absent outside a session. */
  settings?: SettingsView;
  /**
   * The session's transaction block: when its statement under way started
   * (statement_timestamp()) and when its transaction did (now(), current_timestamp), in ms.
   */
  transaction?: { readonly statementMs: number; readonly txn: { readonly startedMs: number } | null };
}

export interface SettingsView {
  /** The current value of a setting (PostgreSQL's name, any case). */
  get(name: string): string;
  /** Whether the session has SET it (pg_settings.source 'session'). */
  isSet(name: string): boolean;
  /** pg_settings.source, where it is not simply 'session' or 'default'. */
  source?(name: string): string;
}

/** The executing session's info (catalog relations read it). */
export function activeSessionInfo(): Readonly<SessionInfo> {
  return active;
}

export const DEFAULT_SESSION_INFO: Readonly<SessionInfo> = Object.freeze({ user: 'tributary', database: 'tributary' });

let active: Readonly<SessionInfo> = DEFAULT_SESSION_INFO;

/** Make `info` the executing session's; returns the previous one (to restore). */
export function setActiveSessionInfo(info: Readonly<SessionInfo>): Readonly<SessionInfo> {
  const prev = active;
  active = info;
  return prev;
}

export function versionString(): string {
  return `PostgreSQL ${PG_VERSION} (Tributary ${TRIBUTARY_VERSION}) on ${process.arch}-${process.platform}, compiled by Node.js ${process.version}, 64-bit`;
}

const volatile = true;
fn('version', { name: 'version', args: [], returns: T.text, volatile, eval: () => versionString() });
fn(['current_database', 'current_catalog'], { name: 'current_database', args: [], returns: T.text, volatile, eval: () => active.database });
fn('current_schema', { name: 'current_schema', args: [], returns: T.text, volatile, eval: () => 'public' });
fn(['current_user', 'session_user', 'user', 'current_role'], { name: 'current_user', args: [], returns: T.text, volatile, eval: () => active.user });

// current_setting(name [, missing_ok]): the session's value (SHOW's)
function currentSetting(v: (string | boolean | null)[]): string | null {
  const name = v[0] as string;
  const missingOk = v.length > 1 && v[1] === true;
  const s = active.settings;
  if (!s) return null;
  try {
    return s.get(name);
  } catch (e) {
    if (missingOk) return null;
    throw e;
  }
}
fn('current_setting', { name: 'current_setting', args: [T.text], returns: T.text, volatile, eval: (v) => currentSetting(v as string[]) });
fn('current_setting', { name: 'current_setting_missing_ok', args: [T.text, T.bool], returns: T.text, volatile, eval: (v) => currentSetting(v as (string | boolean)[]) });
