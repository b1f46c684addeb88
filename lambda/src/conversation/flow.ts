import type { Flow } from './types';

/**
 * The troubleshooting flow as data: which step each answer leads to. The words for every step live in the
 * i18n resources under `steps.<id>`; `checkFlow` verifies both at load time and in a test, and
 * `npm run flow:diagram` draws it in docs/flow.md.
 *
 * Order: the likeliest and cheapest fix first, each question only where its answer changes the path.
 * Pre-conditions are folded into the instruction they guard (nothing else connected, pairing mode, this
 * Echo). Anything that takes the user out of the skill, or minutes, is a handoff: progress is saved and the
 * session ends. An edge that fails back into a handoff already tried follows that step's `skip` instead
 * (see `transition`), so nobody repeats a failed fix; the flow check proves those skips end.
 *
 * Facts behind the steps: docs/facts.md (F-numbers in the comments).
 */
export const FLOW: Flow = {
  start: 'triage',
  safety: 'safety_stop',
  resolved: 'resolved',
  symptomEntry: {
    cant_find: 'worked_before',
    wont_pair: 'worked_before',
    no_sound: 'sound_on_echo',
    keeps_disconnecting: 'drop_pattern',
    several_echos: 'right_echo',
    echo_offline: 'echo_offline',
    echo_not_in_app: 'wrong_account',
    not_listed: 'pairing_mode',
  },
  steps: {
    triage: { kind: 'choice', unsure: 'worked_before', skip: 'worked_before' },

    // A saved speaker reconnects by voice; a new one is paired from the app (F2, F3). Not sure: pair fresh,
    // which works either way.
    worked_before: { kind: 'check', yes: 'reconnect', no: 'pair_new', unsure: 'pair_new', skip: 'pair_new' },
    // "Alexa, connect to [name]" or "to Bluetooth" (F3), with the phone's Bluetooth off (F6).
    reconnect: {
      kind: 'handoff',
      command: true,
      yes: 'resolved',
      no: 'forget_repair',
      skip: 'forget_repair',
    },
    // Pairing mode is not just "on" (F1); pair from the app's Bluetooth section (F2, F17).
    pair_new: { kind: 'handoff', yes: 'resolved', no: 'app_state', skip: 'app_state' },
    // Forget and pair fresh: the supported remedy for a speaker that worked before (F19, I5).
    forget_repair: { kind: 'handoff', yes: 'resolved', no: 'app_state', skip: 'app_state' },

    // Connected, only saved, or not listed are three different states (F16).
    app_state: {
      kind: 'state',
      states: { connected: 'sound_on_echo', saved: 'connect_saved', not_listed: 'pairing_mode' },
      unsure: 'pairing_mode',
      skip: 'pairing_mode',
    },
    // One Bluetooth output at a time; disconnect, then connect again (F3, F4, F5).
    sound_on_echo: { kind: 'handoff', command: true, yes: 'resolved', no: 'forget_repair', skip: 'restart' },
    connect_saved: {
      kind: 'handoff',
      command: true,
      yes: 'resolved',
      no: 'forget_repair',
      skip: 'forget_repair',
    },

    // The source's remedy for a speaker that won't enter pairing mode: off, on, hold the Bluetooth button (F1).
    pairing_mode: {
      kind: 'check',
      yes: 'restart',
      no: 'pairing_retry',
      unsure: 'pairing_retry',
      skip: 'restart',
    },
    pairing_retry: { kind: 'handoff', yes: 'resolved', no: 'restart', skip: 'restart' },
    // Restart first among the bigger steps (F9), and pair again close up, charged, away from interference
    // (F7, F8): two cheap things in one visit to the app.
    restart: { kind: 'handoff', yes: 'resolved', no: 'right_echo', skip: 'right_echo' },

    // Pairing is per Echo and the nearest Echo answers (F15).
    right_echo: {
      kind: 'check',
      yes: 'special_modes',
      no: 'switch_echo',
      unsure: 'echo_in_app',
      skip: 'special_modes',
    },
    switch_echo: {
      kind: 'handoff',
      resets: true,
      ownComeBack: true,
      yes: 'worked_before',
      no: 'echo_offline',
      skip: 'special_modes',
    },
    // An offline Echo cannot act on any request (F14); unplugging it is the restart (F9).
    echo_offline: {
      kind: 'handoff',
      resets: true,
      ownComeBack: true,
      yes: 'worked_before',
      no: 'support_end',
      skip: 'support_end',
    },
    // The app shows only the signed-in account's Echos (F13).
    echo_in_app: {
      kind: 'check',
      yes: 'special_modes',
      no: 'wrong_account',
      unsure: 'wrong_account',
      skip: 'special_modes',
    },
    wrong_account: {
      kind: 'handoff',
      resets: true,
      yes: 'worked_before',
      no: 'support_end',
      skip: 'support_end',
    },

    // Speaker-specific, so only "with the manual" (I5); these take minutes, so they leave the skill (I2).
    special_modes: { kind: 'handoff', yes: 'resolved', no: 'clear_memory', skip: 'clear_memory' },
    clear_memory: { kind: 'handoff', yes: 'resolved', no: 'firmware', skip: 'firmware' },
    // Echos update themselves; speakers through the maker's app (F11, F12).
    firmware: {
      kind: 'handoff',
      yes: 'resolved',
      no: 'factory_reset_warning',
      skip: 'factory_reset_warning',
    },
    // A reset means registering again and re-entering settings (F10).
    factory_reset_warning: {
      kind: 'check',
      yes: 'factory_reset',
      no: 'support_end',
      unsure: 'support_end',
      skip: 'support_end',
    },
    factory_reset: { kind: 'handoff', yes: 'resolved', no: 'support_end', skip: 'support_end' },

    // "It keeps disconnecting": a speaker that switches itself off when idle (N16), other devices (F6), range (F7, F8).
    drop_pattern: {
      kind: 'check',
      yes: 'power_saving',
      no: 'stay_close',
      unsure: 'stay_close',
      skip: 'stay_close',
    },
    power_saving: { kind: 'handoff', yes: 'resolved', no: 'stay_close', skip: 'stay_close' },
    stay_close: {
      kind: 'handoff',
      command: true,
      yes: 'resolved',
      no: 'forget_repair',
      skip: 'forget_repair',
    },

    resolved: { kind: 'end', outcome: 'resolved' },
    support_end: { kind: 'end', outcome: 'unresolved' },
    // Reachable from every step through the safety event (F18).
    safety_stop: { kind: 'end', outcome: 'safety' },
  },
};
