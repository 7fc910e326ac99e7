import type { ReactNode } from "react";
import { LockIcon } from "../components/Icons.js";
import { LanguageSelect } from "../components/LanguageSelect.js";
import { Logo } from "../components/Logo.js";
import { useI18n } from "../i18n/I18nProvider.js";

/** The frame of every screen before sign-in: brand, one card, and a footer with the language switch. */
export function CenteredLayout({
  children,
  wide = false,
  transit = true,
}: {
  children: ReactNode;
  wide?: boolean;
  /** The "encrypted in transit" note; false where it would not be true (no WebCrypto). */
  transit?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="centered">
      <header className="centered-brand">
        <Logo size={36} />
        <p className="centered-tagline">{t("app.tagline")}</p>
      </header>
      <main id="main" className={wide ? "centered-main centered-main-wide" : "centered-main"}>
        {children}
      </main>
      <footer className="centered-footer">
        {transit && (
          <span className="transit">
            <LockIcon size={14} />
            {t("app.transit")}
          </span>
        )}
        <LanguageSelect compact />
      </footer>
    </div>
  );
}
