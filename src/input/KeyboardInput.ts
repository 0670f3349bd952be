import type { InputState } from './InputState';

/**
 * Feeds DOM keyboard events into an {@link InputState} (by `KeyboardEvent.code`), and
 * releases every action when the window loses focus. Returns a function that detaches it.
 */
export function attachKeyboard(input: InputState, target: EventTarget = window): () => void {
  const down = (e: Event) => {
    const key = e as KeyboardEvent;
    if (key.repeat) return;
    input.keyDown(key.code);
  };
  const up = (e: Event) => input.keyUp((e as KeyboardEvent).code);
  const blur = () => input.releaseAll();
  target.addEventListener('keydown', down);
  target.addEventListener('keyup', up);
  target.addEventListener('blur', blur);
  return () => {
    target.removeEventListener('keydown', down);
    target.removeEventListener('keyup', up);
    target.removeEventListener('blur', blur);
  };
}
