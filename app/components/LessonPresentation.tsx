import { useEffect } from 'react';
import { performStep } from '../lesson/lesson-actions.ts';
import { LESSON_TITLE } from '../lesson/lesson-steps.ts';
import { useLesson } from '../lesson/store-lesson.ts';
import { LazyCollapseChart as CollapseChart } from './LazyCollapseChart.tsx';
import { LessonChartFocus } from './LessonChartFocus.tsx';
import { LessonNav } from './LessonNav.tsx';
import { LessonProgress } from './LessonProgress.tsx';
import { LessonStepCard } from './LessonStepCard.tsx';

/** Keys that belong to the focused control, not to the presentation. */
function ownsKeys(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a, input, textarea, select, summary, [contenteditable="true"]') !== null;
}

/** For a projector: large type, high contrast, the chart big, only the lesson's controls. → ← move, Enter performs, Escape leaves. */
export function LessonPresentation() {
  const setPresent = useLesson((s) => s.setPresent);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const lesson = useLesson.getState();
      if (e.key === 'ArrowRight') lesson.goTo(lesson.step + 1);
      else if (e.key === 'ArrowLeft') lesson.goTo(lesson.step - 1);
      else if (e.key === 'Escape') lesson.setPresent(false);
      else if (e.key === 'Enter' && !ownsKeys(e.target)) void performStep(lesson.step);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <main className="presentation" data-testid="presentation" aria-label={`${LESSON_TITLE}, presentation`}>
      <header className="presentation-head">
        <h1 className="presentation-title">{LESSON_TITLE}</h1>
        <p className="presentation-keys">→ next · ← back · Enter performs the step</p>
        <button type="button" className="button button-secondary small-button" data-testid="presentation-exit" onClick={() => setPresent(false)}>
          Leave the presentation
        </button>
      </header>
      <div className="presentation-body">
        <section className="presentation-step" aria-label="Current step">
          <LessonStepCard headingLevel={2} />
          <LessonProgress />
        </section>
        <section className="presentation-chart" aria-label="Chart">
          <LessonChartFocus>
            <CollapseChart height={390} />
          </LessonChartFocus>
        </section>
      </div>
      <footer className="presentation-foot">
        <LessonNav />
      </footer>
    </main>
  );
}
