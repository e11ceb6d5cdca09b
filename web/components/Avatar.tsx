// A player's avatar, drawn rather than uploaded: a disc whose colours come from a hash of the
// user tag (so it is the same everywhere and never changes with the display name) and the
// initials of the display name. Pure SVG, no external image, so the CSP has nothing to allow.

// FNV-1a, 32 bits: tiny, stable across runs and browsers, and spreads similar tags apart.
function hashTag(tag: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < tag.length; i += 1) {
    hash ^= tag.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function initialsOf(name: string | null | undefined, tag: string): string {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  const first = (word: string | undefined) => (word ? (Array.from(word)[0] ?? "") : "");
  if (words.length >= 2) return `${first(words[0])}${first(words[words.length - 1])}`.toUpperCase();
  if (words.length === 1) return first(words[0]).toUpperCase();
  return Array.from(tag).slice(0, 2).join("").toUpperCase();
}

export function avatarColors(tag: string): { fill: string; ring: string; dot: string } {
  const hash = hashTag(tag);
  const hue = hash % 360;
  const ringHue = (hue + 40 + ((hash >>> 9) % 100)) % 360;
  const lightness = 30 + ((hash >>> 17) % 10);
  return {
    fill: `hsl(${hue} 45% ${lightness}%)`,
    ring: `hsl(${ringHue} 70% 62%)`,
    dot: `hsl(${ringHue} 70% 62% / 0.35)`,
  };
}

export function Avatar({
  tag,
  name,
  size = 32,
  className = "",
  label,
  testId,
}: {
  tag: string;
  name?: string | null;
  size?: number;
  className?: string;
  // Set when the avatar stands alone; next to the name it is decoration.
  label?: string;
  testId?: string;
}) {
  const colors = avatarColors(tag);
  const initials = initialsOf(name, tag);
  // A second, smaller disc placed by the hash so two tags of the same hue still differ.
  const angle = ((hashTag(`${tag}#`) % 360) * Math.PI) / 180;
  const cx = 20 + Math.cos(angle) * 11;
  const cy = 20 + Math.sin(angle) * 11;
  return (
    <svg
      viewBox="0 0 40 40"
      width={size}
      height={size}
      className={`shrink-0 ${className}`}
      role={label ? "img" : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      data-testid={testId}
    >
      <circle cx="20" cy="20" r="19" fill={colors.fill} stroke={colors.ring} strokeWidth="2" />
      <circle cx={cx.toFixed(2)} cy={cy.toFixed(2)} r="7" fill={colors.dot} />
      <text
        x="20"
        y="20.5"
        textAnchor="middle"
        dominantBaseline="central"
        fontSize={initials.length > 1 ? 15 : 18}
        fontWeight="600"
        fill="#ffffff"
      >
        {initials}
      </text>
    </svg>
  );
}
