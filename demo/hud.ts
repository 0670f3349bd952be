/** The demo's heads-up display (DOM): score, lives, wave, banners and the boss's health. */
export class Hud {
  private readonly root: HTMLElement;
  private readonly line: HTMLElement;
  private readonly bannerEl: HTMLElement;
  private readonly bossBar: HTMLElement;
  private bannerTimer = 0;

  constructor(parent: HTMLElement, stress: boolean) {
    this.root = document.createElement('div');
    this.root.className = 'hud';
    this.line = document.createElement('div');
    this.line.className = 'status';
    this.bannerEl = document.createElement('div');
    this.bannerEl.className = 'banner';
    this.bossBar = document.createElement('div');
    this.bossBar.className = 'boss';
    this.bossBar.hidden = true;
    this.bossBar.appendChild(document.createElement('span'));
    const help = document.createElement('div');
    help.className = 'help';
    help.textContent = stress
      ? 'stress mode · ` toggles the inspector'
      : '← → move · space fires · ` toggles the inspector · edit scripts-lua/demo/*.lua and save (npm run dev)';
    this.root.append(this.line, this.bossBar, this.bannerEl, help);
    parent.appendChild(this.root);
  }

  /** Score, lives and wave. */
  status(score: number, lives: number, wave: number): void {
    this.line.textContent = `score ${score}   lives ${'♥'.repeat(Math.max(0, lives))}   wave ${wave}`;
  }

  /** A centred message for `seconds` (0 hides it). */
  banner(text: string, seconds: number): void {
    this.bannerEl.textContent = text;
    this.bannerEl.hidden = !text || seconds <= 0;
    clearTimeout(this.bannerTimer);
    // Display only: a banner fading out on the page's clock does not touch game state.
    if (seconds > 0) this.bannerTimer = window.setTimeout(() => (this.bannerEl.hidden = true), seconds * 1000);
  }

  /** The boss's health bar (hidden at 0). */
  bossHp(hp: number, max: number): void {
    this.bossBar.hidden = hp <= 0;
    (this.bossBar.firstChild as HTMLElement).style.width = `${(100 * hp) / Math.max(1, max)}%`;
  }
}
