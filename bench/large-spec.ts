// A large, valid spec for timing the front end: many small blocks and one
// long model that uses them, plus a train section. It is built from the
// statement forms users write most (labelled chains, lets, residual adds,
// block calls, `repeat`, comments), so parse and check see a realistic mix
// rather than one line repeated.

/** Blocks take this share of the lines; the model body takes the rest. */
const BLOCK_SHARE = 0.2;
const WIDTH = 16;

function block(k: number): string[] {
  return [
    `// residual unit ${k}: two linear layers, dropout, identity shortcut`,
    `block Unit${k}(ch: int, p: float = 0.1) {`,
    '  input x',
    `  let h = x -> fc1: linear(ch) -> relu -> fc2: linear(ch, bias=${k % 2 === 0 ? 'true' : 'false'})`,
    '  let h = dropout(h, p)',
    '  output relu(h + x)',
    '}',
    '',
  ];
}

/** One model statement (one line), varied by position. */
function modelLine(i: number, blocks: number): string {
  const unit = `Unit${i % blocks}`;
  switch (i % 8) {
    case 0:
      return `  l${i}: linear(${WIDTH}) -> relu`;
    case 1:
      return `  u${i}: ${unit}(${WIDTH})`;
    case 2:
      return `  let v${i} = n${i}: linear(${WIDTH}, bias=false) -> ln${i}: layernorm(eps=1e-5)`;
    case 3:
      return `  r${i}: repeat 2 ${unit}(${WIDTH}, p=0.05)`;
    case 4:
      return `  // stage ${i >> 3}: a gelu branch added to the layernorm output`;
    case 5:
      return `  let g${i} = m${i}: linear(${WIDTH}) -> gelu -> dropout(0.1)`;
    case 6:
      return `  let w${i} = v${i - 4} + 0.5 * drop_path(g${i - 1}, 0.1)`;
    default:
      return `  w${i - 1} -> s${i}: linear(${WIDTH}) -> silu`;
  }
}

const TRAIN = [
  '',
  'train Large {',
  '  loss cross_entropy(label_smoothing=0.1)',
  '  optimizer adamw(lr=1e-3, weight_decay=0.05)',
  '  schedule warmup(steps=100) then cosine(epochs=10)',
  '  penalty l2(1e-4) on l*.weight, u*.fc?.weight',
  '  metrics accuracy, loss',
  '  batch 32',
  '  epochs 10',
  '}',
];

/** A spec of exactly `lines` lines (at least 40). */
export function largeSpec(lines: number): string {
  if (lines < 40) throw new Error('largeSpec needs at least 40 lines');
  const blockCount = Math.max(1, Math.floor((lines * BLOCK_SHARE) / block(0).length));
  const out: string[] = [];
  for (let k = 0; k < blockCount; k++) out.push(...block(k));
  const head = ['model Large {', `  input x: f32[N, ${WIDTH}]`, '  output logits'];
  const tail = ['  fc: linear(10)', '}'];
  const bodyLines = lines - out.length - head.length - tail.length - TRAIN.length;
  out.push(...head);
  // Lines 6 and 7 of every 8 use the values bound on lines 2, 5 and 6 before them.
  for (let i = 0; i < bodyLines; i++) out.push(modelLine(i, blockCount));
  out.push(...tail, ...TRAIN);
  return `${out.join('\n')}\n`;
}
