import { useI18n } from "../i18n/I18nProvider.js";

export function LogoMark({ size = 32 }: { size?: number }) {
  return (
    <svg className="logo-mark" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="9" className="logo-bg" />
      <path
        d="M10.5 14v-2.5a5.5 5.5 0 0 1 11 0V14"
        fill="none"
        className="logo-shackle"
        strokeWidth="2.6"
        strokeLinecap="round"
      />
      <rect x="8" y="14" width="16" height="11.5" rx="3" className="logo-body" />
      <circle cx="16" cy="19.75" r="1.9" className="logo-bg" />
    </svg>
  );
}

export function Logo({ size = 32 }: { size?: number }) {
  const { t } = useI18n();
  return (
    <span className="logo">
      <LogoMark size={size} />
      <span className="logo-word">{t("app.name")}</span>
    </span>
  );
}
