/**
 * Deterministic synthetic scenes standing in for generated images: a "prompt" fixes the palette,
 * the background style and the kinds of shapes; a "seed" fixes the layout. Rendered from SVG by
 * sharp (librsvg), with fractal-noise texture so the images carry photo-like high frequencies.
 */
import { between, pick, type Random, seeded } from './random.js';

export interface ScenePrompt {
  readonly palette: readonly string[];
  readonly background: 'linear' | 'radial' | 'sky';
  readonly shapes: readonly ('circle' | 'rect' | 'ellipse' | 'triangle' | 'blob')[];
  readonly texture: number;
}

export interface SceneParams {
  readonly prompt: ScenePrompt;
  readonly seed: number;
  /** Fraction of detail shapes drawn (1: all; less imitates an image sampled with fewer steps). */
  readonly detail: number;
  /**
   * A black-and-white picture (rendered, then turned grey): its color hash is 0 whatever it
   * shows, so the other features have to tell its cheats apart.
   */
  readonly monochrome?: boolean;
}

export const SCENE_SIZE = 384;

const hue = (random: Random): string => {
  const h = Math.floor(between(random, 0, 360));
  const s = Math.floor(between(random, 25, 95));
  const l = Math.floor(between(random, 20, 80));
  return `hsl(${h},${s}%,${l}%)`;
};

export function randomPrompt(seed: number): ScenePrompt {
  const random = seeded(seed * 7919 + 17);
  const kinds = ['circle', 'rect', 'ellipse', 'triangle', 'blob'] as const;
  return {
    palette: Array.from({ length: 5 }, () => hue(random)),
    background: pick(random, ['linear', 'radial', 'sky'] as const),
    shapes: kinds.filter(() => random() < 0.6).concat(pick(random, kinds)),
    texture: between(random, 0.02, 0.09),
  };
}

/** A prompt one word away: one background colour and the texture changed, the layout kept. */
export function nearPrompt(prompt: ScenePrompt, seed: number): ScenePrompt {
  const random = seeded(seed * 104729 + 3);
  const palette = [...prompt.palette];
  palette[Math.floor(random() * 2)] = hue(random);
  return { ...prompt, palette, texture: prompt.texture * between(random, 0.6, 1.4) };
}

function shape(kind: ScenePrompt['shapes'][number], random: Random, fill: string): string {
  const x = between(random, 0, SCENE_SIZE);
  const y = between(random, 0, SCENE_SIZE);
  const r = between(random, 10, 110);
  const opacity = between(random, 0.55, 1).toFixed(2);
  const style = `fill="${fill}" fill-opacity="${opacity}"`;
  switch (kind) {
    case 'circle':
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" ${style}/>`;
    case 'rect':
      return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(r * 1.6).toFixed(1)}" height="${r.toFixed(1)}" transform="rotate(${between(random, -40, 40).toFixed(1)} ${x.toFixed(1)} ${y.toFixed(1)})" ${style}/>`;
    case 'ellipse':
      return `<ellipse cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" rx="${r.toFixed(1)}" ry="${(r * between(random, 0.3, 0.8)).toFixed(1)}" ${style}/>`;
    case 'triangle': {
      const points = [0, 1, 2].map((k) => {
        const a = (k * 2 * Math.PI) / 3 + between(random, -0.4, 0.4);
        return `${(x + r * Math.cos(a)).toFixed(1)},${(y + r * Math.sin(a)).toFixed(1)}`;
      });
      return `<polygon points="${points.join(' ')}" ${style}/>`;
    }
    default: {
      const n = 7;
      const points = Array.from({ length: n }, (_, k) => {
        const a = (k * 2 * Math.PI) / n;
        const rr = r * between(random, 0.6, 1.2);
        return `${(x + rr * Math.cos(a)).toFixed(1)},${(y + rr * Math.sin(a)).toFixed(1)}`;
      });
      return `<polygon points="${points.join(' ')}" stroke="${fill}" stroke-width="6" stroke-linejoin="round" ${style}/>`;
    }
  }
}

function background(prompt: ScenePrompt, random: Random): string {
  const [a, b, c] = prompt.palette;
  if (prompt.background === 'radial') {
    return `<radialGradient id="bg" cx="${between(random, 0.2, 0.8).toFixed(2)}" cy="${between(random, 0.2, 0.8).toFixed(2)}" r="0.8"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></radialGradient>`;
  }
  const angle = prompt.background === 'sky' ? 90 : between(random, 0, 180);
  const rad = (angle * Math.PI) / 180;
  return `<linearGradient id="bg" x1="0" y1="0" x2="${Math.cos(rad).toFixed(3)}" y2="${Math.sin(rad).toFixed(3)}"><stop offset="0" stop-color="${a}"/><stop offset="0.6" stop-color="${b}"/><stop offset="1" stop-color="${c}"/></linearGradient>`;
}

/** The SVG text of a scene. */
export function sceneSvg(params: SceneParams): string {
  const random = seeded(params.seed);
  const { prompt } = params;
  const count = 8 + Math.floor(random() * 14);
  const shapes: string[] = [];
  for (let i = 0; i < count; i++) {
    const markup = shape(pick(random, prompt.shapes), random, pick(random, prompt.palette));
    // Large structure appears first in sampling; the later (detail) shapes need more steps.
    if (i < 4 || i / count < params.detail) shapes.push(markup);
  }
  const frequency = between(random, 0.02, 0.08).toFixed(3);
  const noiseSeed = Math.floor(random() * 1000);
  const texture = (prompt.texture * Math.max(params.detail, 0.2)).toFixed(3);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SCENE_SIZE}" height="${SCENE_SIZE}">`,
    `<defs>${background(prompt, random)}`,
    `<filter id="grain"><feTurbulence type="fractalNoise" baseFrequency="${frequency}" numOctaves="4" seed="${noiseSeed}"/>`,
    `<feColorMatrix type="saturate" values="0"/><feComponentTransfer><feFuncA type="linear" slope="${texture}"/></feComponentTransfer></filter></defs>`,
    `<rect width="100%" height="100%" fill="url(#bg)"/>`,
    ...shapes,
    `<rect width="100%" height="100%" filter="url(#grain)"/>`,
    '</svg>',
  ].join('');
}
