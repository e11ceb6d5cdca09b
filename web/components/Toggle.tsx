// A row of buttons of which one is chosen (the chart's interval and type, the equity chart's
// period). Each button's test id is the label in kebab case, then the option: "interval-1m".

export function Toggle<T extends string>({
  label,
  options,
  value,
  onChange,
  render,
}: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (v: T) => void;
  render?: (v: T) => string;
}) {
  return (
    <div role="group" aria-label={label} className="inline-flex rounded-md border border-ink-700 bg-ink-900 p-0.5">
      {options.map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={value === option}
          data-testid={`${label.toLowerCase().replace(/\s+/g, "-")}-${option}`}
          onClick={() => onChange(option)}
          className={`rounded px-2.5 py-1 text-xs font-medium transition-colors ${
            value === option ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
          }`}
        >
          {render ? render(option) : option}
        </button>
      ))}
    </div>
  );
}
