import { LESSON_TITLE } from '../lesson/lesson-steps.ts';
import { useLesson } from '../lesson/store-lesson.ts';
import { GlossaryList } from './GlossaryList.tsx';
import { LessonEmbedCode } from './LessonEmbedCode.tsx';
import { LessonNav } from './LessonNav.tsx';
import { LessonStepCard } from './LessonStepCard.tsx';

/** The guided lesson in the lab's side column (or an invitation to start it). */
export function LessonPanel() {
  const open = useLesson((s) => s.open);
  const openLesson = useLesson((s) => s.openLesson);
  const closeLesson = useLesson((s) => s.closeLesson);
  const setPresent = useLesson((s) => s.setPresent);
  const present = useLesson((s) => s.present);
  if (present) return null; // the presentation shows the lesson
  if (!open) {
    return (
      <section className="card panel lesson-invite" aria-labelledby="lesson-invite-title" data-testid="lesson-invite">
        <h3 id="lesson-invite-title">Classroom</h3>
        <p className="small">A guided lesson in seven short steps: teach the model a fact, break it with one edit, repair it.</p>
        <button type="button" className="button" data-testid="lesson-start" onClick={() => openLesson(1)}>
          Start the lesson
        </button>
      </section>
    );
  }
  return (
    <section className="card panel lesson-panel" aria-labelledby="lesson-title" data-testid="lesson-panel">
      <div className="panel-head">
        <h3 id="lesson-title">{LESSON_TITLE}</h3>
      </div>
      <LessonNav />
      <LessonStepCard />
      <div className="row lesson-tools">
        <button type="button" className="button button-secondary small-button" data-testid="lesson-present" onClick={() => setPresent(true)}>
          Present
        </button>
        <LessonEmbedCode />
        <button type="button" className="button button-secondary small-button" data-testid="lesson-close" onClick={closeLesson}>
          Close the lesson
        </button>
      </div>
      <GlossaryList />
    </section>
  );
}
