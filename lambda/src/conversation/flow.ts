import type { Flow } from './types';

/**
 * The troubleshooting flow as data: which step each answer leads to. The words for every step live in the
 * i18n resources under `steps.<id>`; `checkFlow` verifies both at load time and in a test.
 *
 * Facts behind the steps are in shared/reference/bluetooth-facts.md (row numbers in the comments).
 */
export const FLOW: Flow = {
  start: 'triage',
  safety: 'safety_stop',
  symptomEntry: {
    cant_find: 'right_echo',
    wont_pair: 'right_echo',
    no_sound: 'app_connected',
    keeps_disconnecting: 'power_saving',
  },
  steps: {
    triage: { kind: 'choice', unsure: 'right_echo', skip: 'right_echo' },

    // Pairing is per Echo and the nearest Echo answers (row 17).
    right_echo: { kind: 'check', yes: 'echo_in_app', no: 'switch_echo', skip: 'echo_in_app' },
    switch_echo: { kind: 'handoff', yes: 'echo_in_app', no: 'echo_offline', skip: 'echo_in_app' },
    // An offline Echo cannot act on any Bluetooth command (rows 39, 40); restart first (row 44).
    echo_offline: { kind: 'handoff', yes: 'echo_in_app', no: 'support_end', skip: 'echo_in_app' },
    // The app shows only the signed-in account's devices (row 43).
    echo_in_app: { kind: 'check', yes: 'worked_before', no: 'wrong_account', skip: 'worked_before' },
    wrong_account: { kind: 'handoff', yes: 'worked_before', no: 'support_end', skip: 'worked_before' },

    // A saved speaker reconnects by voice; a new one is paired from the app (rows 10, 11).
    worked_before: {
      kind: 'check',
      yes: 'reconnect_by_voice',
      no: 'special_modes',
      unsure: 'special_modes',
      skip: 'special_modes',
    },
    reconnect_by_voice: { kind: 'handoff', yes: 'resolved', no: 'special_modes', skip: 'special_modes' },
    // Speaker modes are speaker-specific: only "check the manual" (row 47).
    special_modes: { kind: 'action', done: 'speaker_busy', skip: 'speaker_busy' },
    // Disconnect other sources first (row 16).
    speaker_busy: { kind: 'action', done: 'pairing_mode', skip: 'pairing_mode' },
    // True pairing mode, not reconnect (row 18); no brand button combos (row 20).
    pairing_mode: { kind: 'check', yes: 'pair_in_app', no: 'clear_speaker_memory', skip: 'pair_in_app' },
    // Pair from the app, at least three feet apart (rows 7, 10, 22).
    pair_in_app: { kind: 'handoff', yes: 'resolved', no: 'app_connected', skip: 'app_connected' },

    // Connected and only paired/saved are different states (row 8).
    app_connected: { kind: 'check', yes: 'sound_on_echo', no: 'connect_saved', skip: 'forget_stale' },
    connect_saved: { kind: 'handoff', yes: 'resolved', no: 'forget_stale', skip: 'forget_stale' },
    // One Bluetooth output at a time; a Dot plays on its own speaker when the Bluetooth one is off (rows 2, 14).
    sound_on_echo: { kind: 'handoff', yes: 'resolved', no: 'forget_stale', skip: 'forget_stale' },

    // Forget and pair fresh is a supported remedy (row 48).
    forget_stale: {
      kind: 'handoff',
      yes: 'resolved',
      no: 'clear_speaker_memory',
      skip: 'clear_speaker_memory',
    },
    clear_speaker_memory: { kind: 'action', done: 'close_range', skip: 'close_range' },
    // Close range but at least three feet; interference sources and charge (rows 21, 22).
    close_range: { kind: 'handoff', yes: 'resolved', no: 'firmware', skip: 'firmware' },
    // Echos update themselves over the air; speakers through the maker's app (rows 41, 42).
    firmware: { kind: 'action', done: 'restart', skip: 'restart' },
    restart: { kind: 'handoff', yes: 'resolved', no: 'factory_reset_warning', skip: 'factory_reset_warning' },
    // A reset means registering again and re-entering settings (row 45).
    factory_reset_warning: { kind: 'check', yes: 'factory_reset', no: 'support_end', skip: 'support_end' },
    factory_reset: { kind: 'handoff', yes: 'resolved', no: 'support_end', skip: 'support_end' },

    // "It keeps disconnecting": idle shut-off is a speaker power setting (row 23), other sources (row 16),
    // range and interference (row 21).
    power_saving: { kind: 'action', done: 'other_devices', skip: 'other_devices' },
    other_devices: { kind: 'action', done: 'stay_connected_test', skip: 'stay_connected_test' },
    stay_connected_test: { kind: 'handoff', yes: 'resolved', no: 'forget_stale', skip: 'forget_stale' },

    resolved: { kind: 'end', outcome: 'resolved' },
    support_end: { kind: 'end', outcome: 'unresolved' },
    // Reachable from every step through the safety event (row 46).
    safety_stop: { kind: 'end', outcome: 'safety' },
  },
};
