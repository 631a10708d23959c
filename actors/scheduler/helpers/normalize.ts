/**
 * Kube-scheduler's `helper.DefaultNormalizeScore`: scale scores so the best is `maxScore`, with
 * integer division as in Go, optionally reversed (for plugins whose raw score counts something
 * bad: intolerable taints, pods of the same owner).
 */

/** Scales `scores` in place to 0..maxScore by their maximum; `reverse` turns high into low. */
export function defaultNormalizeScore(maxScore: number, reverse: boolean, scores: Float64Array): void {
  let max = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (s > max) max = s;
  }
  if (max === 0) {
    if (reverse) scores.fill(maxScore);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const scaled = Math.trunc((maxScore * (scores[i] as number)) / max);
    scores[i] = reverse ? maxScore - scaled : scaled;
  }
}
