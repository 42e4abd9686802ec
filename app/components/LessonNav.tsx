import { LESSON_STEPS } from '../lesson/lesson-steps.ts';
import { useLesson } from '../lesson/store-lesson.ts';

/** Previous / next and a dot per step (each a button, so the keyboard reaches every step). */
export function LessonNav() {
  const step = useLesson((s) => s.step);
  const goTo = useLesson((s) => s.goTo);
  const done = useLesson((s) => s.results);
  return (
    <nav className="lesson-nav" aria-label="Lesson steps">
      <button type="button" className="button button-secondary small-button" data-testid="lesson-prev" disabled={step <= 1} onClick={() => goTo(step - 1)}>
        ← Back
      </button>
      <ol className="lesson-dots">
        {LESSON_STEPS.map((s, i) => (
          <li key={i}>
            <button
              type="button"
              className={`lesson-dot ${done[i + 1] ? 'lesson-dot-done' : ''}`}
              aria-current={step === i + 1 ? 'step' : undefined}
              aria-label={`Step ${i + 1}: ${s.title}${done[i + 1] ? ' (done)' : ''}`}
              onClick={() => goTo(i + 1)}
            >
              {i + 1}
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="button button-secondary small-button" data-testid="lesson-next" disabled={step >= LESSON_STEPS.length} onClick={() => goTo(step + 1)}>
        Next →
      </button>
    </nav>
  );
}
